"""Brute-force lockout: after N failed sign-ins for one username (or from one address) within the window,
further attempts are refused until the window passes. Counted in Redis so every web process agrees."""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _keys(username: str, address: str) -> list[str]:
    user = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    # An address gets a larger budget: many people can share one NAT.
    return [f"lockout:user:{user}", f"lockout:addr:{address}"]


def _limits() -> list[int]:
    threshold = settings.LOGIN_LOCKOUT_THRESHOLD
    return [threshold, threshold * 4]


def is_locked(username: str, address: str) -> bool:
    counts = cache.get_many(_keys(username, address))
    return any(counts.get(k, 0) >= limit for k, limit in zip(_keys(username, address), _limits(), strict=True))


def record_failure(username: str, address: str) -> None:
    for key in _keys(username, address):
        cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        cache.incr(key)


def reset(username: str, address: str) -> None:
    cache.delete(_keys(username, address)[0])


def minutes_left() -> int:
    return max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
