"""Idempotency records expire: the hourly purge deletes those past IDEMPOTENCY_RECORD_TTL_SECONDS, and a key whose
record has expired counts as new."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from apps.core.models import IdempotencyRecord
from apps.tenants.models import ApiKey
from apps.tenants.tasks import idempotency_records_purge

pytestmark = pytest.mark.django_db


def _age(key: str, seconds: int) -> None:
    IdempotencyRecord.objects.filter(key=key).update(created_at=timezone.now() - timedelta(seconds=seconds))


def test_the_purge_deletes_only_expired_records_of_every_tenant(api, other_api):
    # given
    for client, key in ((api, "old-a"), (other_api, "old-b"), (api, "young")):
        client.post("/api/v1/api-keys/", {"name": key, "scopes": ["read"]}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    _age("old-a", settings.IDEMPOTENCY_RECORD_TTL_SECONDS + 1)
    _age("old-b", settings.IDEMPOTENCY_RECORD_TTL_SECONDS + 60)
    _age("young", settings.IDEMPOTENCY_RECORD_TTL_SECONDS - 60)
    # when
    purged = idempotency_records_purge()
    # then
    assert purged == 2
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["young"]


def test_an_expired_key_is_treated_as_new(api):
    # given
    api.post("/api/v1/api-keys/", {"name": "first", "scopes": ["read"]}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    _age("k", settings.IDEMPOTENCY_RECORD_TTL_SECONDS + 1)
    # when: the purge has not run yet, and the key comes back with another body
    again = api.post("/api/v1/api-keys/", {"name": "second", "scopes": ["read"]}, format="json",
                     HTTP_IDEMPOTENCY_KEY="k")
    # then
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert again.json()["secret"].startswith("td_")
    assert ApiKey.objects.filter(name__in=["first", "second"]).count() == 2


def test_a_young_key_still_replays(api):
    # given
    body = {"name": "kept", "scopes": ["read"]}
    api.post("/api/v1/api-keys/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    _age("k", settings.IDEMPOTENCY_RECORD_TTL_SECONDS - 60)
    # when
    again = api.post("/api/v1/api-keys/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    # then
    assert again["Idempotent-Replayed"] == "true"
    assert ApiKey.objects.filter(name="kept").count() == 1


def test_the_purge_runs_on_the_beat_schedule():
    # then
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "core.idempotency_records_purge" in scheduled
