from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from apps.capsules import back_office
from apps.capsules.models import Capsule, CapsuleRun, CapsuleState, RevenueShare, Subscription, UsageEvent
from apps.ops.admin_mixins import AuditedAdmin, ReadOnlyAdmin


@admin.register(Capsule)
class CapsuleAdmin(AuditedAdmin):
    """Operators set a draft's revenue share (and may correct its text); published capsules are immutable, and
    owners move them through their states in the portal or the API."""

    list_display = ["name", "version", "tenant", "kind", "state", "price_per_run", "price_per_1k_points",
                    "price_per_stream_day", "partner_share_bps", "published_at"]
    list_filter = ["state", "kind"]
    search_fields = ["name", "tenant__name"]
    fields = ["tenant", "name", "version", "kind", "description", "price_per_run", "price_per_stream_day",
              "price_per_1k_points", "price_per_gpu_second", "energy_per_run_wh", "partner_share_bps", "state",
              "input_schema", "published_at", "retired_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # capsules are created by their owners (services.capsule_create)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and obj.state == CapsuleState.DRAFT:
            return ["tenant", "kind", "state", "input_schema", "published_at", "retired_at"]
        return [name for name in self.fields or () if isinstance(name, str)]


@admin.register(CapsuleRun)
class CapsuleRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "tenant", "capsule", "status", "reserved", "charged", "platform_share", "partner_share",
                    "proof_status", "pft_minted", "created_at"]
    list_filter = ["status", "proof_status"]
    search_fields = ["tenant__name", "capsule__name"]

    def get_urls(self) -> list[Any]:
        return [path("economy/", self.admin_site.admin_view(self.economy_view), name="capsules_economy"),
                *super().get_urls()]

    def economy_view(self, request: HttpRequest) -> HttpResponse:
        context = {**self.admin_site.each_context(request), "title": "Capsule economy",
                   "opts": self.model._meta, "economy": back_office.economy()}
        return render(request, "admin/capsules/economy.html", context)


@admin.register(UsageEvent)
class UsageEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "tenant", "capsule", "run", "metric", "quantity", "unit_price", "ceu_amount"]
    list_filter = ["metric"]
    search_fields = ["event_id"]


@admin.register(RevenueShare)
class RevenueShareAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "tenant", "capsule", "buyer", "charge", "amount", "entry_id"]


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["id", "tenant", "capsule", "status", "starts_on", "metered_through", "status_reason"]
    list_filter = ["status"]
