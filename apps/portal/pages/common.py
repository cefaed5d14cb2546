from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core.actors import Actor
from apps.tenants.models import Membership, Tenant
from apps.tenants.roles import Permission, role_allows


class AuthenticatedRequest(HttpRequest):
    """What a `login_required` view receives."""

    user: User


class TenantRequest(AuthenticatedRequest):
    """What a `tenant_page` view receives: TenantMiddleware set the brand, membership and tenant, and the
    decorator checked that the user is signed in and a member, so none of them is None here."""

    brand: Tenant | None
    membership: Membership
    tenant: Tenant


def actor_of(request: HttpRequest) -> Actor:
    return Actor(user_id=request.user.pk, label=request.user.get_username())


def tenant_page(permission: Permission = Permission.VIEW) -> Callable[..., Any]:
    """Signed in, a member of a current tenant, and allowed `permission` there."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = getattr(request, "membership", None)
            if membership is None:
                return render(request, "portal/no_tenant.html", status=403)
            if not role_allows(membership.role, permission):
                raise PermissionDenied(f"Your role ({membership.role}) does not allow this.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
