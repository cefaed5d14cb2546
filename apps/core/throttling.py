from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle


class PerPrincipalRateThrottle(BaseThrottle):
    """Fixed one-minute windows per API key (or per user), counted in Redis so every web process shares them."""

    def allow_request(self, request: Any, view: Any) -> bool:
        principal = self._principal(request)
        if principal is None:
            return True
        limit = settings.API_RATE_LIMIT_PER_MINUTE
        now = time.time()
        window = int(now // 60)
        early: WindowHit | None = getattr(request, "rate_hit", None)
        if early is not None and (early.principal, early.window) == (principal, window):
            # counted already, with the failed-attempt check, in authentication's one round trip
            count = early.count
        else:  # not counted yet (or counted in a minute that has just ended: that window is never read again)
            count = _window_hit(_window_key(principal, window), timeout=RATE_WINDOW_TTL_S)
        self._wait = 60 - (now % 60)
        request.rate_limit = {"limit": limit, "remaining": max(0, limit - count)}
        return count <= limit

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)

    @staticmethod
    def _principal(request: Any) -> str | None:
        api_key = getattr(request, "auth", None)
        if api_key is not None and hasattr(api_key, "prefix"):
            return key_principal(api_key.pk)
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "pk", None):
            return f"user:{user.pk}"
        return None


RATE_WINDOW_TTL_S = 120


def key_principal(api_key_id: int) -> str:
    return f"key:{api_key_id}"


def _window_key(principal: str, window: int) -> str:
    return f"ratelimit:{principal}:{window}"


@dataclass(frozen=True)
class WindowHit:
    """A request already counted in its principal's rate-limit window (by `failed_auth_wait_and_hit`)."""

    principal: str
    window: int
    count: int


def _window_hit(key: str, *, timeout: int) -> int:
    """Counts one hit in a window's counter: INCR and its expiry in one pipelined round trip (add, then incr,
    took two on every API request). The expiry is refreshed on each hit; a window's key names its minute, so a
    counter living past its minute is never read again."""
    full = cache.make_and_validate_key(key)
    client = cache._cache.get_client(full, write=True)  # type: ignore[attr-defined]
    pipe = client.pipeline(transaction=False)
    pipe.incr(full)
    pipe.expire(full, timeout)
    count, _ = pipe.execute()
    return int(count)


FAILURE_WINDOW_SECONDS = 60


def failed_auth_wait(address: str) -> float | None:
    """Seconds until `address` may try an API key again, or None while it is within API_KEY_FAILURES_PER_MINUTE.

    Checked before the key itself, so a guesser learns nothing from attempts over the limit. The window opens at
    an address's first failure (not on the clock's minute), so a burst cannot straddle two budgets."""
    start_key, count_key = _failure_keys(address)
    found = cache.get_many([start_key, count_key])
    started, count = found.get(start_key), found.get(count_key, 0)
    if started is None or count < settings.API_KEY_FAILURES_PER_MINUTE:
        return None
    return _failure_wait(started)


def _failure_wait(started: float) -> float:
    """Seconds left of a failure window opened at `started` (at least one: Retry-After never says 0)."""
    return max(1.0, FAILURE_WINDOW_SECONDS - (time.time() - started))


def failed_auth_record(address: str) -> None:
    start_key, count_key = _failure_keys(address)
    # Both keys are made together and expire together, so a count never outlives the window it belongs to.
    cache.add(start_key, time.time(), timeout=FAILURE_WINDOW_SECONDS)
    cache.add(count_key, 0, timeout=FAILURE_WINDOW_SECONDS)
    try:
        cache.incr(count_key)
    except ValueError:  # the window closed between the two calls: this failure opens the next one
        cache.set(count_key, 1, timeout=FAILURE_WINDOW_SECONDS)


def _failure_keys(address: str) -> tuple[str, str]:
    return f"authfail:{address}:start", f"authfail:{address}:n"


# One round trip for an API-key request whose key is already known (cached): the address's failed-attempt
# check and, only when it passes, the key's rate-limit hit; atomic, so a refused address is never counted.
_WAIT_AND_HIT = """
local failures = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
local started = redis.call('GET', KEYS[1])
if started and failures >= tonumber(ARGV[1]) then return {-1, started} end
local count = redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], ARGV[2])
return {count, ''}
"""


def failed_auth_wait_and_hit(address: str, principal: str) -> tuple[float | None, WindowHit | None]:
    """`failed_auth_wait(address)` and, when that is None, the principal's rate-limit hit, in one round trip
    (they took two); the hit goes on the request as `rate_hit` for PerPrincipalRateThrottle."""
    window = int(time.time() // 60)
    keys = [cache.make_and_validate_key(k) for k in (*_failure_keys(address), _window_key(principal, window))]
    backend: Any = cache._cache  # type: ignore[attr-defined]
    client = backend.get_client(keys[2], write=True)
    count, started = client.eval(_WAIT_AND_HIT, 3, *keys, settings.API_KEY_FAILURES_PER_MINUTE, RATE_WINDOW_TTL_S)
    if count < 0:
        return _failure_wait(float(backend._serializer.loads(started))), None
    return None, WindowHit(principal=principal, window=window, count=int(count))
