from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet

from apps.core.selectors import get_or_not_found
from apps.tenants import rls
from apps.tenants.models import ApiKey, Invitation, Membership, Tenant, TenantKind


def tenant_get(*, tenant: Tenant) -> Tenant:
    return Tenant.objects.get(pk=tenant.pk)


def tenant_by_domain(*, host: str) -> Tenant | None:
    if not host:
        return None
    return Tenant.objects.filter(custom_domain__iexact=host.split(":")[0], is_active=True).first()


def client_tenant_list(*, tenant: Tenant) -> QuerySet[Tenant]:
    if tenant.kind != TenantKind.PARTNER:
        return Tenant.objects.none()
    return Tenant.objects.filter(parent=tenant).order_by("-created_at", "-id")


def client_tenant_get(*, tenant: Tenant, tenant_id: int) -> Tenant:
    return get_or_not_found(client_tenant_list(tenant=tenant), "No such client tenant.", pk=tenant_id)


def membership_list(*, tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.filter(tenant=tenant).select_related("user").order_by("-created_at", "-id")


def membership_get(*, tenant: Tenant, membership_id: int) -> Membership:
    return get_or_not_found(Membership.objects.filter(tenant=tenant).select_related("user"), "No such member.",
                            pk=membership_id)


def user_memberships(*, user: User) -> list[Membership]:
    """A user's memberships across tenants (the tenant switcher); read before any tenant is chosen."""
    with rls.pre_tenant_read():
        return list(Membership.objects.filter(user=user, tenant__is_active=True)
                    .select_related("tenant").order_by("tenant__name", "id"))


def user_membership(*, user: User, tenant_id: int) -> Membership | None:
    with rls.pre_tenant_read():
        return (Membership.objects.filter(user=user, tenant_id=tenant_id, tenant__is_active=True)
                .select_related("tenant").first())


def invitation_list(*, tenant: Tenant) -> QuerySet[Invitation]:
    return Invitation.objects.filter(tenant=tenant, accepted_at__isnull=True, revoked_at__isnull=True) \
        .order_by("-created_at", "-id")


def api_key_list(*, tenant: Tenant) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(tenant=tenant).order_by("-created_at", "-id")


def api_key_get(*, tenant: Tenant, key_id: int) -> ApiKey:
    return get_or_not_found(ApiKey.objects.filter(tenant=tenant), "No such API key.", pk=key_id)
