"""The API-key cache: a busy key skips the lookup, and revocation still takes effect (at once in the revoking
process, within API_KEY_CACHE_SECONDS elsewhere)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.tenants import key_cache
from apps.tenants.models import ApiKey
from tests.tenants.clock import Clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    settings.API_KEY_CACHE_SECONDS = 3.0
    fake = Clock()
    monkeypatch.setattr(key_cache.KEYS, "clock", fake)
    key_cache.keys_forget()
    yield fake
    key_cache.keys_forget()


def _key_lookups(api: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/markets/").status_code == 200
    return sum("tenants_apikey" in q["sql"] and q["sql"].lstrip().startswith("SELECT") for q in queries)


def test_a_busy_key_is_looked_up_once_within_the_bound(api, clock):
    # when
    first, second = _key_lookups(api), _key_lookups(api)
    clock.now += 3.5
    after_bound = _key_lookups(api)
    # then
    assert (first, second, after_bound) == (1, 0, 1)


def test_a_key_revoked_through_the_service_is_refused_at_once(api, api_client_for, tenant, clock,
                                                             django_capture_on_commit_callbacks):
    # given: the victim's key is cached
    victim = api_client_for(tenant)
    assert victim.get("/api/v1/markets/").status_code == 200
    # when
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/v1/api-keys/{victim.api_key.id}/revoke/").status_code == 200
    # then
    assert victim.get("/api/v1/markets/").status_code == 401


def test_a_key_revoked_elsewhere_is_refused_once_the_bound_has_passed(api, clock):
    # given: the key is cached, then revoked by another process (this process is not told)
    assert api.get("/api/v1/markets/").status_code == 200
    ApiKey.objects.filter(pk=api.api_key.pk).update(revoked_at=timezone.now())
    # when
    within = api.get("/api/v1/markets/").status_code
    clock.now += 3.01
    after = api.get("/api/v1/markets/").status_code
    # then: trusted only within the bound
    assert (within, after) == (200, 401)


def test_a_cached_key_does_not_answer_for_another_secret(api, clock):
    # given
    assert api.get("/api/v1/markets/").status_code == 200
    prefix = api.api_key.prefix
    # when: the right prefix with a wrong secret
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key td_{prefix}_not-the-secret")
    # then
    assert api.get("/api/v1/markets/").status_code == 401
