from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.tenants.roles import Permission, role_allows


def tenant(request: HttpRequest) -> dict[str, Any]:
    """Branding for templates: the custom domain's partner, else the tenant's own partner, else the tenant."""
    current = getattr(request, "tenant", None)
    membership = getattr(request, "membership", None)
    brand = getattr(request, "brand", None)
    if brand is None and current is not None:
        brand = current.parent if current.parent_id else current
    role = membership.role if membership else None
    perms = {p.value: bool(role and role_allows(role, p)) for p in Permission}
    return {"current_tenant": current, "membership": membership, "brand": brand, "perms": perms}
