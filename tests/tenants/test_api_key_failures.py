"""Failed API-key authentications are limited per client address: past API_KEY_FAILURES_PER_MINUTE the address
gets 429 in the standard error shape with Retry-After, whatever key it tries; other addresses are unaffected."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _get(secret: str, address: str = "203.0.113.5", forwarded: str | None = None) -> object:
    extra = {"REMOTE_ADDR": address, "HTTP_AUTHORIZATION": f"Api-Key {secret}"}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return APIClient().get("/api/v1/tenant/", **extra)


def test_too_many_invalid_keys_from_one_address_answer_429(api, settings):
    # given
    settings.API_KEY_FAILURES_PER_MINUTE = 3
    valid = api._credentials["HTTP_AUTHORIZATION"].split(" ", 1)[1]
    failures = [_get(f"td_nope{n}_guess").status_code for n in range(3)]
    # when
    limited = _get("td_nope9_guess")
    valid_from_there = _get(valid)
    valid_elsewhere = _get(valid, address="198.51.100.1")
    # then
    assert failures == [401, 401, 401]
    assert limited.status_code == 429
    body = limited.json()
    assert set(body) == {"code", "message", "extra"} and body["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert valid_from_there.status_code == 429
    assert valid_elsewhere.status_code == 200


def test_the_limit_counts_the_trusted_proxys_client_address(api, settings):
    # given: two clients behind one trusted proxy
    settings.API_KEY_FAILURES_PER_MINUTE, settings.TRUSTED_PROXY_HOPS = 2, 1
    valid = api._credentials["HTTP_AUTHORIZATION"].split(" ", 1)[1]
    for n in range(2):
        _get(f"td_nope{n}_guess", address="10.0.0.1", forwarded="203.0.113.9")
    # when
    attacker = _get("td_nope5_guess", address="10.0.0.1", forwarded="203.0.113.9")
    neighbour = _get(valid, address="10.0.0.1", forwarded="198.51.100.7")
    # then
    assert attacker.status_code == 429
    assert neighbour.status_code == 200


def test_valid_keys_never_use_up_the_budget(api, settings):
    # given
    settings.API_KEY_FAILURES_PER_MINUTE = 2
    valid = api._credentials["HTTP_AUTHORIZATION"].split(" ", 1)[1]
    # when
    statuses = [_get(valid).status_code for _ in range(5)]
    # then
    assert statuses == [200] * 5
