"""A process's short memory of API keys it has authenticated, so a busy key does not cost three database round
trips (two context switches and the lookup) on every request.

Bounded: an entry is trusted for API_KEY_CACHE_SECONDS (default 3 s) after its lookup, so a revocation, a
tenant's deactivation or a key deleted by another process takes effect everywhere within that bound; a
revocation through `api_key_revoke` forgets the key in its own process at once. Only successful lookups are
kept (a failure is counted by the failed-attempt limit every time), and an entry matches only the very secret
that was checked, compared in constant time against its digest (the raw secret is never kept).
"""
from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings

MAX_ENTRIES = 10_000  # a process serving more keys than this just starts over: memory stays bounded

_entries: dict[str, tuple[float, bytes, Any]] = {}
_lock = threading.Lock()
clock: Callable[[], float] = time.monotonic  # the tests move time forward through this


def ttl_s() -> float:
    return float(getattr(settings, "API_KEY_CACHE_SECONDS", 3.0))


def _digest(raw: str) -> bytes:
    return hashlib.sha256(raw.encode()).digest()


def _prefix(raw: str) -> str:
    return raw.split("_", 2)[1] if raw.count("_") >= 2 else ""


def key_peek(raw: str) -> Any:
    """The key for `raw` if a lookup at most `ttl_s()` ago found it, else None (nothing is loaded)."""
    ttl, hit = ttl_s(), _entries.get(_prefix(raw))
    if ttl > 0 and hit is not None and clock() - hit[0] < ttl and secrets.compare_digest(hit[1], _digest(raw)):
        return hit[2]
    return None


def key_cached(raw: str, load: Callable[[str], Any]) -> Any:
    """The key for `raw` as `load(raw)` found it at most `ttl_s()` ago, else `load(raw)` now (None: refused)."""
    found = key_peek(raw)
    if found is not None:
        return found
    ttl, prefix = ttl_s(), _prefix(raw)
    api_key = load(raw)
    if api_key is not None and ttl > 0 and prefix:
        with _lock:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[prefix] = (clock(), _digest(raw), api_key)
    return api_key


def key_forget(prefix: str) -> None:
    with _lock:
        _entries.pop(prefix, None)


def keys_forget() -> None:
    with _lock:
        _entries.clear()
