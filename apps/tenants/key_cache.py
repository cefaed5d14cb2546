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
from typing import Any

from django.conf import settings

from apps.core.ttl_memo import TtlMemo

# a process serving more keys than 10,000 just starts over: memory stays bounded
KEYS: TtlMemo[tuple[bytes, Any]] = TtlMemo(lambda: float(getattr(settings, "API_KEY_CACHE_SECONDS", 3.0)), 10_000)


def _digest(raw: str) -> bytes:
    return hashlib.sha256(raw.encode()).digest()


def _prefix(raw: str) -> str:
    return raw.split("_", 2)[1] if raw.count("_") >= 2 else ""


def key_peek(raw: str) -> Any:
    """The key for `raw` if a lookup at most API_KEY_CACHE_SECONDS ago found it, else None (nothing is loaded)."""
    hit = KEYS.fresh(_prefix(raw))
    if hit is not None and secrets.compare_digest(hit[0][0], _digest(raw)):
        return hit[0][1]
    return None


def key_remember(raw: str, api_key: Any) -> Any:
    """`api_key`, the lookup's answer for `raw`, kept when it is a key (None, a refusal, is never kept)."""
    prefix = _prefix(raw)
    if api_key is not None and prefix:
        KEYS.put(prefix, (_digest(raw), api_key))
    return api_key


def key_forget(prefix: str) -> None:
    KEYS.forget(prefix)


def keys_forget() -> None:
    KEYS.clear()
