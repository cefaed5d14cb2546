from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from apps.core.errors import ApplicationError
from apps.ledger.models import Account, Entry, Hold, OutboxEvent, Posting
from apps.ledger.services.adjustments import adjustment_create
from apps.ops.admin_mixins import ReadOnlyAdmin, admin_actor


class AdjustmentForm(forms.Form):
    account = forms.ModelChoiceField(queryset=Account.objects.filter(tenant__isnull=False).select_related("tenant"))
    amount = forms.IntegerField(help_text="Minor units; positive credits the account, negative debits it.")
    reason = forms.CharField(widget=forms.Textarea, min_length=10, help_text="Required; kept in the audit log.")

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError("An adjustment moves a non-zero amount.")
        return amount


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "tenant", "asset", "code", "balance", "pending_debits", "pending_credits", "floor_mode"]
    list_filter = ["asset", "floor_mode"]
    search_fields = ["tenant__name", "code"]

    def get_urls(self) -> list[Any]:
        return [path("adjust/", self.admin_site.admin_view(self.adjust_view), name="ledger_account_adjust"),
                *super().get_urls()]

    def adjust_view(self, request: HttpRequest) -> HttpResponse:
        form = AdjustmentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = adjustment_create(actor=admin_actor(request), account=form.cleaned_data["account"],
                                           amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"],
                                           client_id=f"admin-{uuid.uuid4().hex}")
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Adjustment recorded as entry {result.entry_id}.")
                return redirect("admin:ledger_account_changelist")
        context = {**self.admin_site.each_context(request), "form": form, "title": "Manual adjustment",
                   "opts": self.model._meta}
        return render(request, "admin/ledger/adjustment.html", context)


class PostingInline(admin.TabularInline):
    model = Posting
    extra = 0
    can_delete = False
    fields = readonly_fields = ("account", "asset", "amount", "phase", "balance_after")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "seq", "kind", "tenant", "client_id", "actor", "created_at", "hash"]
    list_select_related = ["seal", "tenant"]
    list_filter = ["kind"]
    search_fields = ["client_id", "actor", "seal__hash"]
    inlines = [PostingInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ["id", "tenant", "asset", "amount", "posted_amount", "status", "expires_at", "created_at"]
    list_filter = ["status", "asset"]


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "event_type", "tenant", "entry", "created_at"]
