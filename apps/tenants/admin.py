from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from apps.core.errors import ApplicationError
from apps.ops.admin_mixins import AuditedAdmin, ReadOnlyAdmin, admin_actor
from apps.tenants import services
from apps.tenants.models import ApiKey, Invitation, Membership, Tenant


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]


@admin.register(Tenant)
class TenantAdmin(AuditedAdmin):
    list_display = ["name", "slug", "kind", "parent", "custom_domain", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "slug", "custom_domain"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "tenant__name"]
    autocomplete_fields = ["user", "tenant"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "tenant", "role", "expires_at", "accepted_at", "revoked_at"]
    exclude = ["token_hash"]


@admin.action(description="Revoke selected keys")
def revoke_keys(modeladmin: Any, request: HttpRequest, queryset: Any) -> None:
    for api_key in queryset.filter(revoked_at__isnull=True):
        try:
            services.api_key_revoke(actor=admin_actor(request), tenant=api_key.tenant, key_id=api_key.pk)
        except ApplicationError as exc:
            messages.error(request, f"{api_key}: {exc.message}")


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ["name", "prefix", "tenant", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "tenant__name"]
    exclude = ["secret_hash"]  # never shown, not even hashed
    actions = [revoke_keys]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and request.user.is_staff  # the list (and its revoke action), no edit form
