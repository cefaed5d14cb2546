from __future__ import annotations

from django.urls import path

from apps.signals import apis, apis_regimes

urlpatterns = [
    path("streams/", apis.StreamListApi.as_view(), name="streams"),
    path("streams/<int:stream_id>/", apis.StreamDetailApi.as_view(), name="stream"),
    path("streams/<int:stream_id>/points/", apis.PointsApi.as_view(), name="stream-points"),
    path("streams/<int:stream_id>/windows/", apis.WindowsApi.as_view(), name="stream-windows"),
    path("streams/<int:stream_id>/regimes/", apis_regimes.RegimeListApi.as_view(), name="stream-regimes"),
    path("changepoints/", apis_regimes.ChangepointAnalyseApi.as_view(), name="changepoints"),
    path("alerts/", apis.AlertListApi.as_view(), name="alerts"),
    path("alerts/<int:alert_id>/", apis.AlertDetailApi.as_view(), name="alert"),
    path("alerts/<int:alert_id>/acknowledge/", apis.AlertAcknowledgeApi.as_view(), name="alert-ack"),
    path("alerts/<int:alert_id>/resolve/", apis.AlertResolveApi.as_view(), name="alert-resolve"),
    path("webhooks/", apis.WebhookListApi.as_view(), name="webhooks"),
    path("webhooks/<int:endpoint_id>/deactivate/", apis.WebhookDeactivateApi.as_view(), name="webhook-deactivate"),
    path("webhooks/<int:endpoint_id>/resume/", apis.WebhookResumeApi.as_view(), name="webhook-resume"),
    path("webhooks/<int:endpoint_id>/deliveries/", apis.DeliveryListApi.as_view(), name="webhook-deliveries"),
]
