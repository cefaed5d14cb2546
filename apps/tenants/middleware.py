from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse

from apps.tenants import rls
from apps.tenants.brand_cache import brand_cached
from apps.tenants.models import Membership
from apps.tenants.selectors import tenant_by_domain, user_membership, user_memberships

SESSION_TENANT_KEY = "current_tenant_id"
logger = logging.getLogger(__name__)


class TenantMiddleware:
    """Resolves the white-label brand (by host) and the signed-in user's current tenant, and scopes RLS to it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rls.enter_request()
        try:
            # Cached for BRAND_CACHE_SECONDS: otherwise a query on every API call, most of them on a brandless host
            brand = brand_cached(request.get_host(), lambda host: tenant_by_domain(host=host))
            request.brand = brand  # type: ignore[attr-defined]
            request.membership = self._membership(request)  # type: ignore[attr-defined]
            request.tenant = request.membership.tenant if request.membership else None  # type: ignore[attr-defined]
            if request.user.is_authenticated and request.user.is_staff and request.path.startswith("/admin/"):
                rls.leave_request()  # operators in the back office see every tenant
            elif request.tenant is not None:  # type: ignore[attr-defined]
                rls.set_request_tenant(request.tenant.pk)  # type: ignore[attr-defined]
            # else: enter_request() above already scoped the request to no tenant (API-key and anonymous calls;
            # the reads in between do not change the scope), so setting it again would be a wasted round trip
            return self.get_response(request)
        finally:
            try:
                rls.leave_request()
            except Exception:  # noqa: BLE001 - a broken connection is closed by Django anyway; never mask the response
                logger.debug("leaving the request's RLS scope failed", exc_info=True)

    @staticmethod
    def _membership(request: HttpRequest) -> Membership | None:
        if not isinstance(request.user, User):  # anonymous
            return None
        wanted = request.session.get(SESSION_TENANT_KEY)
        if wanted:
            membership = user_membership(user=request.user, tenant_id=wanted)
            if membership:
                return membership
        # Top-level tenants (a partner's own) before its clients, then the most powerful role.
        rank = {"owner": 0, "admin": 1, "analyst": 2, "viewer": 3}
        memberships = sorted(user_memberships(user=request.user),
                             key=lambda m: (m.tenant.parent_id is not None, rank.get(m.role, 9), m.tenant.name))
        brand = getattr(request, "brand", None)
        preferred = [m for m in memberships if brand and (m.tenant_id == brand.pk or m.tenant.parent_id == brand.pk)]
        candidates = preferred or memberships
        chosen = candidates[0] if candidates else None
        if chosen is not None:
            request.session[SESSION_TENANT_KEY] = chosen.tenant_id
        return chosen
