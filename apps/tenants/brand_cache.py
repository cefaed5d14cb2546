"""A process's short memory of which white-label brand a host name serves, so an API call does not pay a
database round trip for the brand on every request (most calls come on the default host, which has none).

Bounded: an answer, a brand or "no brand", is trusted for BRAND_CACHE_SECONDS (default 3 s) after its lookup, so
a changed or removed custom domain, or a deactivated tenant, shows in every process within that bound; a change
through `tenant_update_branding` forgets every host in its own process at once. At most 1,000 hosts are kept (the
Host header is the caller's), so memory stays bounded whatever hosts arrive.
"""
from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from apps.core.ttl_memo import TtlMemo
from apps.tenants.models import Tenant

# far more brands than a deployment serves
BRANDS: TtlMemo[Tenant | None] = TtlMemo(lambda: float(getattr(settings, "BRAND_CACHE_SECONDS", 3.0)), 1_000)


def brand_cached(host: str, load: Callable[[str], Tenant | None]) -> Tenant | None:
    """The brand `load(host)` found at most BRAND_CACHE_SECONDS ago, else `load(host)` now."""
    name = host.split(":")[0].lower()
    hit = BRANDS.fresh(name)
    if hit is not None:
        return hit[0]
    brand = load(host)
    BRANDS.put(name, brand)
    return brand


def brands_forget() -> None:
    BRANDS.clear()
