"""A process's short memory of which white-label brand a host name serves, so an API call does not pay a
database round trip for the brand on every request (most calls come on the default host, which has none).

Bounded: an answer, a brand or "no brand", is trusted for BRAND_CACHE_SECONDS (default 3 s) after its lookup, so
a changed or removed custom domain, or a deactivated tenant, shows in every process within that bound; a change
through `tenant_update_branding` forgets every host in its own process at once. At most MAX_ENTRIES hosts are
kept (the Host header is the caller's), so memory stays bounded whatever hosts arrive.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.conf import settings

from apps.tenants.models import Tenant

MAX_ENTRIES = 1_000  # far more brands than a deployment serves; past it the memory just starts over

_entries: dict[str, tuple[float, Tenant | None]] = {}
_lock = threading.Lock()
clock: Callable[[], float] = time.monotonic  # the tests move time forward through this


def ttl_s() -> float:
    return float(getattr(settings, "BRAND_CACHE_SECONDS", 3.0))


def brand_cached(host: str, load: Callable[[str], Tenant | None]) -> Tenant | None:
    """The brand `load(host)` found at most `ttl_s()` ago, else `load(host)` now."""
    ttl, name = ttl_s(), host.split(":")[0].lower()
    hit = _entries.get(name)
    if ttl > 0 and hit is not None and clock() - hit[0] < ttl:
        return hit[1]
    brand = load(host)
    if ttl > 0:
        with _lock:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[name] = (clock(), brand)
    return brand


def brands_forget() -> None:
    with _lock:
        _entries.clear()
