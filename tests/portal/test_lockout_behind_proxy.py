"""Login lockout per client address behind a reverse proxy: with the proxy configured as trusted, clients behind it
keep separate budgets; without it, a forged X-Forwarded-For buys an attacker no fresh budget."""
from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.1"
LOCKED = "Too many failed sign-in attempts"


def _login(username: str, password: str, forwarded: str) -> str:
    response = Client().post("/login/", {"username": username, "password": password},
                             REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    return "locked" if LOCKED in response.content.decode() else str(response.status_code)


def _exhaust_address_budget(settings, forwarded: str) -> None:
    # Different usernames, so only the per-address budget (4 x threshold) runs out.
    for n in range(settings.LOGIN_LOCKOUT_THRESHOLD * 4):
        _login(f"guess{n}@example.com", "wrong", forwarded)


def test_behind_a_trusted_proxy_one_client_cannot_lock_out_another(tenant, make_member, settings):
    # given
    settings.LOGIN_LOCKOUT_THRESHOLD, settings.TRUSTED_PROXY_HOPS = 1, 1
    make_member(tenant, username="eve@example.com")
    _exhaust_address_budget(settings, "203.0.113.9")
    # when
    attacker = _login("eve@example.com", "correct-horse-battery", "203.0.113.9")
    neighbour = _login("eve@example.com", "correct-horse-battery", "198.51.100.7")
    # then
    assert attacker == "locked"
    assert neighbour == "302"


def test_a_forged_header_from_an_untrusted_client_buys_no_fresh_budget(tenant, make_member, settings):
    # given: no trusted proxy (the default), the attacker rotates X-Forwarded-For
    settings.LOGIN_LOCKOUT_THRESHOLD, settings.TRUSTED_PROXY_HOPS = 1, 0
    make_member(tenant, username="fay@example.com")
    for n in range(4):
        _login(f"guess{n}@example.com", "wrong", f"203.0.113.{n}")
    # when
    response = _login("fay@example.com", "correct-horse-battery", "198.51.100.99")
    # then
    assert response == "locked"
