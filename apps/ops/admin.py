from __future__ import annotations

from django.contrib import admin

from apps.ops.admin_mixins import ReadOnlyAdmin
from apps.ops.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor_label", "tenant", "object_type", "object_id", "request_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "actor_label", "object_id", "request_id"]
    date_hierarchy = "created_at"
