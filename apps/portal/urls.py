from __future__ import annotations

from django.urls import include, path

from apps.portal.pages import alerts, auth, home, integrations, keys, ledger, members, signals

app_name = "portal"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.SignInView.as_view(), name="login"),
    path("logout/", auth.SignOutView.as_view(), name="logout"),
    path("password-reset/", auth.ResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth.ResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", auth.ResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password-reset/complete/", auth.ResetCompleteView.as_view(), name="password_reset_complete"),
    path("invitations/<str:token>/", auth.invitation_accept, name="invitation_accept"),
    path("switch-tenant/", home.switch_tenant, name="switch_tenant"),
    path("clients/", home.clients, name="clients"),
    path("clients/create/", home.client_create, name="client_create"),
    path("settings/branding/", home.branding, name="branding"),
    path("members/", members.members, name="members"),
    path("members/invite/", members.invite, name="invite"),
    path("members/<int:membership_id>/role/", members.change_role, name="change_role"),
    path("members/<int:membership_id>/remove/", members.remove_member, name="remove_member"),
    path("invitations/<int:invitation_id>/revoke/", members.revoke_invitation, name="revoke_invitation"),
    path("ledger/", ledger.ledger, name="ledger"),
    path("streams/", signals.streams, name="streams"),
    path("streams/create/", signals.stream_create, name="stream_create"),
    path("streams/<int:stream_id>/", signals.stream_detail, name="stream_detail"),
    path("alerts/", alerts.alerts, name="alerts"),
    path("alerts/acknowledge/", alerts.alerts_acknowledge, name="alerts_acknowledge"),
    path("alerts/<int:alert_id>/<str:action>/", signals.alert_action, name="alert_action"),
    path("webhooks/", signals.webhooks, name="webhooks"),
    path("webhooks/create/", signals.webhook_create, name="webhook_create"),
    path("webhooks/<int:endpoint_id>/deactivate/", signals.webhook_deactivate, name="webhook_deactivate"),
    path("webhooks/<int:endpoint_id>/resume/", signals.webhook_resume, name="webhook_resume"),
    path("api-keys/", keys.api_keys, name="api_keys"),
    path("integrations/", integrations.integrations, name="integrations"),
    path("api-keys/create/", keys.create_key, name="create_key"),
    path("api-keys/<int:key_id>/revoke/", keys.revoke_key, name="revoke_key"),
    path("", include("apps.portal.urls_marketplace")),
    path("", include("apps.portal.urls_lab")),
    path("", include("apps.portal.urls_dna")),
    path("", include("apps.portal.urls_capsules")),
    path("", include("apps.portal.urls_billing")),
    path("", include("apps.portal.urls_energy")),
]
