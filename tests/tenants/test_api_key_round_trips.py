"""A request with a recently checked (cached) API key runs the address's failed-attempt check and the key's
rate-limit hit in one Redis round trip, with the same refusals as the two separate checks."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from rest_framework.test import APIClient

from apps.tenants import key_cache

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached_keys(settings: Any) -> Iterator[None]:
    settings.API_KEY_CACHE_SECONDS = 3.0
    key_cache.keys_forget()
    yield
    key_cache.keys_forget()


@pytest.fixture
def redis_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every round trip to Redis (a command or a pipeline), counted on the real client."""
    calls: list[str] = []
    command, pipeline = redis.Redis.execute_command, redis.client.Pipeline.execute

    def counted_command(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(str(args[0]))
        return command(self, *args, **kwargs)

    def counted_pipeline(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append("pipeline")
        return pipeline(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", counted_pipeline)
    monkeypatch.setattr(redis.Redis, "execute_command", counted_command)
    return calls


def _get(secret: str, address: str = "203.0.113.5") -> Any:
    return APIClient().get("/api/v1/tenant/", REMOTE_ADDR=address, HTTP_AUTHORIZATION=f"Api-Key {secret}")


def _secret(api: APIClient) -> str:
    return api._credentials["HTTP_AUTHORIZATION"].split(" ", 1)[1]


def test_a_cached_key_costs_one_redis_round_trip_for_both_checks(api, cached_keys, redis_calls):
    # given: the key was checked moments ago
    assert _get(_secret(api)).status_code == 200
    redis_calls.clear()
    # when
    response = _get(_secret(api))
    # then
    assert response.status_code == 200
    assert redis_calls == ["EVAL"]


def test_a_cached_key_still_hits_its_rate_limit(api, cached_keys, settings):
    # given
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    # when: the first request loads the key, the others use the cached one
    statuses = [_get(_secret(api)).status_code for _ in range(5)]
    # then
    assert statuses == [200, 200, 200, 429, 429]


def test_a_blocked_address_is_refused_even_with_a_cached_valid_key(api, cached_keys, settings):
    # given: the key is cached, then the address guesses past its budget
    settings.API_KEY_FAILURES_PER_MINUTE, settings.API_RATE_LIMIT_PER_MINUTE = 2, 2
    assert _get(_secret(api)).status_code == 200
    assert [_get(f"td_nope{n}_guess").status_code for n in range(2)] == [401, 401]
    # when
    blocked = [_get(_secret(api)) for _ in range(3)]
    elsewhere = _get(_secret(api), address="198.51.100.1")
    # then: refused with the wait, and the refusals did not use up the key's rate budget
    assert [r.status_code for r in blocked] == [429] * 3
    assert 1 <= int(blocked[0]["Retry-After"]) <= 60
    assert blocked[0].json()["code"] == "rate_limited"
    assert elsewhere.status_code == 200


def test_an_api_key_request_switches_the_rls_scope_three_times_and_sees_only_its_tenant(api, other_api, cached_keys):
    # given: the key was checked moments ago
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert api.get("/api/v1/tenant/").status_code == 200
    # when
    with CaptureQueriesContext(connection) as queries:
        mine = api.get("/api/v1/tenant/")
    # then: enter (no tenant), the key's tenant, leave; not a second "no tenant" in between
    switches = [q["sql"] for q in queries if "set_config('app.tenant_id'" in q["sql"]]
    assert mine.status_code == 200 and mine.json()["id"] == api.api_key.tenant_id
    assert len(switches) == 3, switches
    assert other_api.get("/api/v1/tenant/").json()["id"] == other_api.api_key.tenant_id
