from __future__ import annotations

import pytest

from apps.ops.models import AuditLog
from apps.tenants.models import ApiKey

pytestmark = pytest.mark.django_db


def test_it_creates_a_key_and_shows_the_secret_once(api, tenant):
    # when
    response = api.post("/api/v1/api-keys/", {"name": "SIEM", "scopes": ["read"]}, format="json")
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["secret"].startswith(f"td_{body['prefix']}_")
    listed = api.get(f"/api/v1/api-keys/{body['id']}/").json()
    assert "secret" not in listed and "secret_hash" not in listed
    assert AuditLog.objects.filter(action="api_key.create", object_id=str(body["id"])).exists()


def test_a_new_key_authenticates_and_records_last_use(api, tenant):
    # given
    secret = api.post("/api/v1/api-keys/", {"name": "k", "scopes": ["read"]}, format="json").json()["secret"]
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    # when
    response = client.get("/api/v1/tenant/")
    # then
    assert response.status_code == 200
    assert ApiKey.objects.get(prefix=secret.split("_")[1]).last_used_at is not None


def test_a_revoked_key_is_refused(api, api_client_for, tenant):
    # given
    victim = api_client_for(tenant, scopes=("read",))
    assert victim.get("/api/v1/tenant/").status_code == 200
    # when
    revoked = api.post(f"/api/v1/api-keys/{victim.api_key.id}/revoke/")
    again = api.post(f"/api/v1/api-keys/{victim.api_key.id}/revoke/")
    # then
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert again.status_code == 409 and again.json()["code"] == "key_already_revoked"
    refused = victim.get("/api/v1/tenant/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_api_key"


def test_a_key_cannot_grant_scopes_it_lacks(api_client_for, tenant):
    # given
    writer = api_client_for(tenant, scopes=("read", "write", "keys"))
    # when
    response = writer.post("/api/v1/api-keys/", {"name": "escalate", "scopes": ["trade"]}, format="json")
    # then
    assert response.status_code == 403
    assert response.json()["code"] == "scope_not_allowed"


def test_a_read_only_key_cannot_create_keys(api_client_for, tenant):
    # given
    reader = api_client_for(tenant, scopes=("read",))
    # when
    response = reader.post("/api/v1/api-keys/", {"name": "x", "scopes": ["read"]}, format="json")
    # then
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert ApiKey.objects.filter(name="x").count() == 0


def test_a_write_key_cannot_revoke_or_create_keys(api_client_for, tenant):
    # given: a key with every scope but the key-managing one, and a full-scope key
    writer = api_client_for(tenant, scopes=("read", "write", "trade"))
    full = api_client_for(tenant)
    # when
    revoked = writer.post(f"/api/v1/api-keys/{full.api_key.id}/revoke/")
    created = writer.post("/api/v1/api-keys/", {"name": "mine", "scopes": ["read"]}, format="json")
    # then
    assert revoked.status_code == created.status_code == 403
    assert revoked.json()["code"] == "permission_denied" and "manage_api_keys" in revoked.json()["message"]
    full.api_key.refresh_from_db()
    assert full.api_key.revoked_at is None and not ApiKey.objects.filter(name="mine").exists()


def test_a_keys_scoped_key_manages_keys(api_client_for, tenant):
    # given
    manager = api_client_for(tenant, scopes=("read", "keys"))
    victim = api_client_for(tenant, scopes=("read", "write"))
    # when
    revoked = manager.post(f"/api/v1/api-keys/{victim.api_key.id}/revoke/")
    created = manager.post("/api/v1/api-keys/", {"name": "rotated", "scopes": ["read"]}, format="json")
    # then
    assert revoked.status_code == 200 and created.status_code == 201


def test_a_write_key_still_manages_webhooks(api_client_for, tenant, settings):
    # given
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on this machine
    writer = api_client_for(tenant, scopes=("read", "write"))
    # when
    created = writer.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/hook"}, format="json")
    # then
    assert created.status_code == 201
