"""A live request keeps its key even past its lease: it holds the claim row's lock until its work and response
commit together, so a twin is answered 409 and never runs the work a second time. Real threads, real PostgreSQL."""
from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

import apps.tenants.services as tenant_services
from apps.tenants.models import ApiKey

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
BODY = {"name": "slow", "scopes": ["read"]}


def test_a_live_owner_past_its_lease_is_not_taken_over(api: APIClient, settings: Any, monkeypatch: Any):
    # given: the lease lapses at once, and the owner stops inside its work until told to go on
    settings.IDEMPOTENCY_LEASE_SECONDS = 0
    inside, go_on = threading.Event(), threading.Event()
    audit_record = tenant_services.audit_record

    def audit_then_wait(**kwargs: Any) -> Any:
        row = audit_record(**kwargs)
        inside.set()
        assert go_on.wait(60)
        return row

    monkeypatch.setattr(tenant_services, "audit_record", audit_then_wait)
    results: dict[str, Any] = {}

    def owner() -> None:
        try:
            results["owner"] = api.post("/api/v1/api-keys/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="slow")
        finally:
            connection.close()

    thread = threading.Thread(target=owner)
    thread.start()
    assert inside.wait(60)
    # when
    twin = api.post("/api/v1/api-keys/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="slow")
    go_on.set()
    thread.join(60)
    replay = api.post("/api/v1/api-keys/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="slow")
    # then
    assert twin.status_code == 409 and twin.json()["code"] == "idempotency_in_progress"
    assert results["owner"].status_code == 201
    assert replay["Idempotent-Replayed"] == "true" and replay.json()["id"] == results["owner"].json()["id"]
    assert ApiKey.objects.filter(name="slow").count() == 1
