from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from apps.core.actors import Actor
from apps.ops.services import audit_record, snapshot


def admin_actor(request: HttpRequest) -> Actor:
    return Actor(user_id=request.user.pk, label=f"operator:{request.user.get_username()}")


class AuditedAdmin(admin.ModelAdmin):
    """Operators' edits in the back office are audited in the same transaction as the write."""

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change else None
            super().save_model(request, obj, form, change)
            audit_record(actor=admin_actor(request), action=f"admin.{'change' if change else 'add'}", obj=obj,
                         tenant_id=getattr(obj, "tenant_id", None), before=before, after=snapshot(obj))

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        with transaction.atomic():
            audit_record(actor=admin_actor(request), action="admin.delete", obj=obj,
                         tenant_id=getattr(obj, "tenant_id", None), before=snapshot(obj))
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
