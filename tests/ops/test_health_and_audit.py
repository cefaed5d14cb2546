from __future__ import annotations

from contextlib import nullcontext

import pytest
from django.db import DatabaseError, transaction
from django.test import Client

from apps.ops.models import AuditLog
from tests.tenants.factories import ApiKeyFactory
from tests.tenants.roles import as_table_owner

pytestmark = pytest.mark.django_db


def test_healthz_is_alive():
    assert Client().get("/healthz").json() == {"status": "ok"}


def test_readyz_checks_database_and_broker():
    # when
    body = Client().get("/readyz").json()
    # then
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["broker"]["status"] == "ok"


def test_the_audit_log_refuses_updates_and_deletes(tenant):
    # given
    ApiKeyFactory.issue(tenant=tenant)
    log = AuditLog.objects.get(action="api_key.create")
    # when / then: the app's role has no such right, and even the table's owner meets the append-only trigger
    for refused in ("permission denied", "append-only"):
        with as_table_owner() if refused == "append-only" else nullcontext():
            with pytest.raises(DatabaseError, match=refused), transaction.atomic():
                AuditLog.objects.filter(pk=log.pk).update(action="tampered")
            with pytest.raises(DatabaseError, match=refused), transaction.atomic():
                AuditLog.objects.filter(pk=log.pk).delete()


def test_audit_rows_carry_the_request_id(api):
    # when
    api.post("/api/v1/api-keys/", {"name": "traced", "scopes": ["read"]}, format="json",
             HTTP_X_REQUEST_ID="trace-abcdef-001")
    # then
    log = AuditLog.objects.get(action="api_key.create", after__name="traced")
    assert log.request_id == "trace-abcdef-001"
    assert log.actor_label.startswith("api-key:")


def test_the_back_office_lists_tenants_for_operators(tenant, django_user_model):
    # given
    operator = django_user_model.objects.create_superuser("op", "op@example.com", "pw-long-enough")
    client = Client()
    client.force_login(operator)
    # when
    pages = [client.get(p) for p in ["/admin/tenants/tenant/", "/admin/tenants/apikey/", "/admin/ops/auditlog/"]]
    # then
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert tenant.name in pages[0].content.decode()
    assert "secret_hash" not in pages[1].content.decode()
