from __future__ import annotations

from django.urls import path

from apps.capsules import apis

urlpatterns = [
    path("", apis.CapsuleListApi.as_view(), name="capsules"),
    path("<int:capsule_id>/", apis.CapsuleDetailApi.as_view(), name="capsule"),
    path("<int:capsule_id>/publish/", apis.CapsulePublishApi.as_view(), name="capsule-publish"),
    path("<int:capsule_id>/retire/", apis.CapsuleRetireApi.as_view(), name="capsule-retire"),
    path("<int:capsule_id>/runs/", apis.CapsuleRunStartApi.as_view(), name="capsule-run-start"),
    path("runs/", apis.CapsuleRunListApi.as_view(), name="capsule-runs"),
    path("runs/<int:run_id>/", apis.CapsuleRunDetailApi.as_view(), name="capsule-run"),
    path("subscriptions/", apis.CapsuleSubscriptionListApi.as_view(), name="capsule-subscriptions"),
    path("subscriptions/<int:subscription_id>/cancel/", apis.CapsuleSubscriptionCancelApi.as_view(),
         name="capsule-subscription-cancel"),
    path("usage/", apis.CapsuleUsageDailyApi.as_view(), name="capsule-usage"),
    path("usage/events/", apis.CapsuleUsageEventListApi.as_view(), name="capsule-usage-events"),
    path("revenue/", apis.CapsuleRevenueListApi.as_view(), name="capsule-revenue"),
]
