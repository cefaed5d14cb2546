from __future__ import annotations

import pytest
from django.utils import timezone

from apps.signals.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def paused_endpoint(tenant) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(tenant=tenant, url="https://hooks.example.com/x", secret="whsec_t",
                                          paused_at=timezone.now(), consecutive_failures=20)


def test_an_endpoint_inside_our_network_is_refused_with_a_field_error(api):
    # when
    response = api.post("/api/v1/webhooks/", {"url": "http://localhost:6379/"}, format="json")
    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_webhook_url" and "url" in body["extra"]["fields"]


def test_endpoints_per_tenant_are_capped(api, tenant, settings):
    # given
    settings.WEBHOOK_ALLOW_PRIVATE, settings.WEBHOOK_MAX_ENDPOINTS_PER_TENANT = True, 2
    for i in range(2):
        assert api.post("/api/v1/webhooks/", {"url": f"http://127.0.0.1:9/{i}"}, format="json").status_code == 201
    # when
    refused = api.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/3"}, format="json")
    # then
    assert refused.status_code == 400
    assert refused.json()["code"] == "webhook_endpoint_limit" and "at most 2" in refused.json()["message"]
    assert WebhookEndpoint.objects.filter(tenant=tenant).count() == 2


def test_a_paused_endpoint_shows_its_state_and_can_be_resumed(api, tenant):
    # given
    endpoint = paused_endpoint(tenant)
    # when
    listed = api.get("/api/v1/webhooks/").json()["results"][0]
    resumed = api.post(f"/api/v1/webhooks/{endpoint.pk}/resume/")
    again = api.post(f"/api/v1/webhooks/{endpoint.pk}/resume/")
    # then
    assert (listed["state"], listed["consecutive_failures"]) == ("paused", 20) and listed["paused_at"]
    assert resumed.status_code == 200 and resumed.json()["state"] == "active"
    assert again.status_code == 400 and again.json()["code"] == "invalid_webhook_state"


def test_another_tenant_cannot_resume_an_endpoint(other_api, tenant):
    # given
    endpoint = paused_endpoint(tenant)
    # when
    response = other_api.post(f"/api/v1/webhooks/{endpoint.pk}/resume/")
    # then
    assert response.status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.paused_at is not None


def test_a_delivery_shows_only_a_coarse_error_class(api, tenant):
    # given: one row written before error classes existed, with the raw exception text
    endpoint = paused_endpoint(tenant)
    for event_id, error in [("e1", "<urlopen error [Errno 111] Connection refused to 10.0.0.5:5432>"),
                            ("e2", "redirect_refused")]:
        WebhookDelivery.objects.create(tenant=tenant, endpoint=endpoint, event_id=event_id, event_type="t",
                                       payload={}, last_error=error)
    # when
    rows = api.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").json()["results"]
    # then
    assert sorted(r["last_error"] for r in rows) == ["connection_failed", "redirect_refused"]


def test_the_portal_shows_a_paused_endpoint(client, tenant, make_member):
    # given
    paused_endpoint(tenant)
    client.force_login(make_member(tenant, role="owner"))
    # when
    page = client.get("/webhooks/")
    # then
    assert page.status_code == 200 and b'data-testid="webhook-paused"' in page.content and b"Resume" in page.content
