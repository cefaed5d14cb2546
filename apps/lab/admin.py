from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from apps.core.errors import ApplicationError
from apps.lab import services
from apps.lab.models import LabJob
from apps.ops.admin_mixins import ReadOnlyAdmin, admin_actor


@admin.register(LabJob)
class LabJobAdmin(ReadOnlyAdmin):
    """Jobs are written by their services only; operators may cancel active ones (the hold is released)."""

    list_display = ["id", "tenant", "kind", "status", "progress", "cost_estimate", "charged", "attempts", "device",
                    "created_at", "finished_at"]
    list_filter = ["status", "kind", "device"]
    search_fields = ["tenant__name", "error", "submitted_by"]
    actions = ["cancel_jobs"]

    @admin.action(description="Cancel the selected active jobs (releases their CEU holds)")
    def cancel_jobs(self, request: HttpRequest, queryset: Any) -> None:
        cancelled = 0
        for job in queryset.select_related("tenant").order_by("pk"):
            try:
                services.job_cancel(actor=admin_actor(request), tenant=job.tenant, job_id=job.pk)
                cancelled += 1
            except ApplicationError:
                continue  # finished meanwhile
        messages.success(request, f"{cancelled} job(s) cancelled.")
