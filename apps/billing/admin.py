from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from apps.billing import back_office
from apps.billing.models import CeuPack, OperatorCredit, Purchase, Receipt, StripeEvent
from apps.billing.services import operator_credit_issue
from apps.core.errors import ApplicationError
from apps.ops.admin_mixins import AuditedAdmin, ReadOnlyAdmin, admin_actor
from apps.tenants.models import Tenant


class CreditForm(forms.Form):
    tenant = forms.ModelChoiceField(queryset=Tenant.objects.filter(is_active=True).order_by("name"))
    amount = forms.DecimalField(min_value=Decimal("0.001"), max_digits=15, decimal_places=3,
                                help_text="CEU, up to three decimals.")
    reason = forms.CharField(widget=forms.Textarea, min_length=10, help_text="Required; kept in the audit log.")
    client_id = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def minor_units(self) -> int:
        return int(self.cleaned_data["amount"] * 1000)


@admin.register(CeuPack)
class CeuPackAdmin(AuditedAdmin):
    list_display = ["name", "ceu_amount", "price_cents", "currency", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdmin):
    list_display = ["id", "tenant", "pack", "ceu_amount", "price_cents", "currency", "status", "refunded_cents",
                    "paid_at", "created_at"]
    list_filter = ["status", "currency"]
    search_fields = ["stripe_session_id", "payment_intent", "tenant__name"]

    def get_urls(self) -> list[Any]:
        return [path("overview/", self.admin_site.admin_view(self.overview_view), name="billing_overview"),
                path("credit/", self.admin_site.admin_view(self.credit_view), name="billing_credit"),
                *super().get_urls()]

    def overview_view(self, request: HttpRequest) -> HttpResponse:
        context = {**self.admin_site.each_context(request), "title": "Billing overview",
                   "opts": self.model._meta, "overview": back_office.overview(),
                   "review": back_office.review_queue()[:50]}
        return render(request, "admin/billing/overview.html", context)

    def credit_view(self, request: HttpRequest) -> HttpResponse:
        form = CreditForm(request.POST or None, initial={"client_id": uuid.uuid4().hex})
        if request.method == "POST" and form.is_valid():
            try:
                credit = operator_credit_issue(actor=admin_actor(request), tenant=form.cleaned_data["tenant"],
                                               amount=form.minor_units(), reason=form.cleaned_data["reason"],
                                               client_id=form.cleaned_data["client_id"])
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Credited {credit.amount / 1000:,.3f} CEU to {credit.tenant} "
                                          f"(ledger entry {credit.entry_id}).")
                return redirect("admin:billing_overview")
        context = {**self.admin_site.each_context(request), "form": form, "title": "Issue a CEU credit",
                   "opts": self.model._meta}
        return render(request, "admin/billing/credit.html", context)


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "tenant", "purchase", "amount_cents", "currency", "ceu_amount", "issued_at"]
    list_filter = ["kind"]
    search_fields = ["number", "payment_reference"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "event_type", "outcome", "purchase", "received_at"]
    list_filter = ["event_type", "outcome"]
    search_fields = ["event_id"]


@admin.register(OperatorCredit)
class OperatorCreditAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "tenant", "amount", "operator_label", "reason", "entry_id"]
    search_fields = ["tenant__name", "reason", "operator_label"]
