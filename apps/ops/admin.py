from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from apps.ops import back_office
from apps.ops.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from apps.ops.models import AuditLog, ScheduledJob, TenantSchedule


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor_label", "tenant", "object_type", "object_id", "request_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "actor_label", "object_id", "request_id"]
    date_hierarchy = "created_at"


@admin.register(ScheduledJob)
class ScheduledJobAdmin(ReadOnlyAdmin):
    """The scheduler's rows; its Ops view (`ops/`) shows them live with the workers, queues and energy."""

    list_display = ["id", "tenant", "kind", "ref_id", "queue", "state", "flexible", "not_before", "deadline",
                    "expected_s", "intensity_at_submit", "intensity_at_run", "released_at", "finished_at"]
    list_filter = ["state", "queue", "flexible"]
    search_fields = ["kind", "tenant__name"]

    def get_urls(self) -> list[Any]:
        return [path("ops/", self.admin_site.admin_view(self.ops_view), name="ops_overview"), *super().get_urls()]

    def ops_view(self, request: HttpRequest) -> HttpResponse:
        context = {**self.admin_site.each_context(request), "title": "Ops", "opts": self.model._meta,
                   "overview": back_office.overview()}
        return render(request, "admin/ops/overview.html", context)


@admin.register(TenantSchedule)
class TenantScheduleAdmin(AuditedAdmin):
    list_display = ["tenant", "objective", "weight", "gpu_quota", "updated_at"]
    search_fields = ["tenant__name"]
