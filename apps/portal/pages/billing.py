"""Portal pages of the billing app: CEU packs with a Buy button (Stripe Checkout), the return page that confirms a
payment, and the tenant's purchases and receipts."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.billing import selectors, services
from apps.billing import stripe_gateway as gateway
from apps.billing.models import Purchase, PurchaseStatus, Receipt
from apps.billing.services.purchases import PURCHASE_PLACEHOLDER
from apps.core.errors import ApplicationError
from apps.ledger import selectors as ledger_selectors
from apps.ledger.amounts import amount_text
from apps.portal.pages.common import TenantRequest, actor_of, tenant_page
from apps.tenants.roles import Permission


@tenant_page()
def billing(request: TenantRequest) -> HttpResponse:
    context = {"packs": selectors.pack_list(), "payments_mode": gateway.payments_mode(),
               "account": ledger_selectors.account_main(tenant=request.tenant, asset="CEU"),
               "purchases": selectors.purchase_list(tenant=request.tenant).order_by("-created_at", "-id")[:50],
               "receipts": selectors.receipt_list(tenant=request.tenant).order_by("-issued_at", "-id")[:50]}
    return render(request, "portal/billing/billing.html", context)


@tenant_page(Permission.MOVE_FUNDS)
@require_POST
def checkout(request: TenantRequest, pack_id: int) -> HttpResponse:
    back = request.build_absolute_uri(reverse("portal:billing"))
    try:
        purchase = services.checkout_start(actor=actor_of(request), tenant=request.tenant, pack_id=pack_id,
                                           success_url=f"{back}return/{PURCHASE_PLACEHOLDER}/",
                                           cancel_url=f"{back}cancel/{PURCHASE_PLACEHOLDER}/")
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("portal:billing")
    return redirect(purchase.checkout_url)


@tenant_page()
def checkout_return(request: TenantRequest, purchase_id: int) -> HttpResponse:
    """Stripe sends the buyer here after paying; the webhook may not have arrived yet, so ask Stripe directly."""
    try:
        purchase = services.purchase_reconcile(actor=actor_of(request), tenant=request.tenant,
                                               purchase_id=purchase_id)
    except Purchase.DoesNotExist:
        raise Http404("No such purchase.") from None
    except ApplicationError as exc:
        messages.error(request, f"Could not confirm the payment yet: {exc.message}")
        return redirect("portal:billing")
    if purchase.status == PurchaseStatus.PAID:
        messages.success(request, f"Payment received: {amount_text(purchase.ceu_amount, 'CEU')} credited.")
    else:
        messages.info(request, f"Purchase #{purchase.pk} is {purchase.get_status_display().lower()}.")
    return redirect("portal:billing")


@tenant_page()
def checkout_cancel(request: TenantRequest, purchase_id: int) -> HttpResponse:
    """Stripe sends the buyer here after Cancel: the purchase is closed so it cannot be paid later by mistake."""
    try:
        purchase = services.purchase_cancel(actor=actor_of(request), tenant=request.tenant, purchase_id=purchase_id)
    except Purchase.DoesNotExist:
        raise Http404("No such purchase.") from None
    except ApplicationError as exc:
        messages.error(request, f"Could not cancel purchase #{purchase_id}: {exc.message}")
        return redirect("portal:billing")
    if purchase.status == PurchaseStatus.PAID:
        messages.success(request, f"Payment received: {amount_text(purchase.ceu_amount, 'CEU')} credited.")
    elif purchase.status == PurchaseStatus.CANCELLED:
        messages.info(request, f"Checkout cancelled: purchase #{purchase.pk} is closed and nothing was charged.")
    else:
        messages.info(request, f"Purchase #{purchase.pk} is {purchase.get_status_display().lower()}.")
    return redirect("portal:billing")


@tenant_page()
def receipt(request: TenantRequest, receipt_id: int) -> HttpResponse:
    try:
        document = selectors.receipt_get(tenant=request.tenant, receipt_id=receipt_id)
    except Receipt.DoesNotExist:
        raise Http404("No such receipt.") from None
    return render(request, "portal/billing/receipt.html", {"receipt": document})
