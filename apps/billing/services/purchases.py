"""Purchases: a Checkout session per purchase, and the one place a paid purchase is credited or its credit
reversed. Every ledger movement has a client id derived from the Stripe session, a second guard behind the
purchase row's lock and status."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.billing import stripe_gateway as gateway
from apps.billing.errors import BillingErrorCode
from apps.billing.models import CeuPack, Purchase, PurchaseStatus, Receipt, ReceiptKind
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.core.selectors import get_or_not_found
from apps.ledger.amounts import amount_text
from apps.ledger.services import account_open, entry_reverse, issue_create
from apps.ledger.services.charges import CEU
from apps.ops.services import audit_record
from apps.tenants import rls
from apps.tenants.models import Tenant

CLEARING = "payment_clearing"  # the system account that sells CEU against cash received by Stripe
PURCHASE_PLACEHOLDER = "{PURCHASE_ID}"
REVERSED = (PurchaseStatus.REFUNDED, PurchaseStatus.DISPUTED)


@transaction.atomic(durable=True)
def _purchase_open(*, actor: Actor, tenant: Tenant, pack: CeuPack) -> Purchase:
    purchase = Purchase(tenant=tenant, pack=pack, ceu_amount=pack.ceu_amount, price_cents=pack.price_cents,
                        currency=pack.currency, created_by_label=actor.label[:200])
    purchase.full_clean()
    purchase.save()
    audit_record(actor=actor, action="billing.checkout_start", obj=purchase, tenant_id=tenant.pk,
                 after={"pack": pack.pk, "ceu_amount": pack.ceu_amount, "price_cents": pack.price_cents})
    return purchase


@transaction.atomic(durable=True)
def _purchase_update(*, purchase_id: int, **fields: object) -> Purchase:
    purchase = Purchase.objects.select_for_update().get(pk=purchase_id)
    for name, value in fields.items():
        setattr(purchase, name, value)
    purchase.save(update_fields=[*fields, "updated_at"])
    return purchase


def checkout_start(*, actor: Actor, tenant: Tenant, pack_id: int, success_url: str, cancel_url: str) -> Purchase:
    """Records the purchase, then asks Stripe for a Checkout session (outside any transaction: a network call);
    `{PURCHASE_ID}` in the URLs becomes the purchase id. A provider failure marks the purchase failed; a platform
    without Stripe keys refuses before anything is stored."""
    gateway.ensure_configured()
    pack = CeuPack.objects.filter(pk=pack_id, is_active=True).first()
    if pack is None:
        raise ApplicationError("No such CEU pack on sale.", code=BillingErrorCode.UNKNOWN_PACK,
                               extra={"fields": {"pack": ["No such CEU pack on sale."]}})
    purchase = _purchase_open(actor=actor, tenant=tenant, pack=pack)
    urls = [u.replace(PURCHASE_PLACEHOLDER, str(purchase.pk)) for u in (success_url, cancel_url)]
    product = f"{pack.name} — {amount_text(pack.ceu_amount, CEU)}"
    try:
        session = gateway.checkout_session_create(
            purchase_id=purchase.pk, tenant_id=tenant.pk, product_name=product, price_cents=pack.price_cents,
            currency=pack.currency, success_url=urls[0], cancel_url=urls[1])
    except ApplicationError as exc:
        _purchase_update(purchase_id=purchase.pk, status=PurchaseStatus.FAILED, status_reason=exc.message[:500])
        raise
    return _purchase_update(purchase_id=purchase.pk, status=PurchaseStatus.OPEN, stripe_session_id=session.id,
                            checkout_url=session.url)


def _receipt(purchase: Purchase, kind: str, entry_id: int, description: str) -> Receipt:
    sign = 1 if kind == ReceiptKind.RECEIPT else -1
    prefix = "R" if kind == ReceiptKind.RECEIPT else "C"
    return Receipt.objects.create(
        tenant_id=purchase.tenant_id, purchase=purchase, kind=kind, number=f"{prefix}-{entry_id:08d}",
        description=description[:300], amount_cents=sign * purchase.price_cents, currency=purchase.currency,
        ceu_amount=sign * purchase.ceu_amount, payment_reference=purchase.payment_intent, entry_id=entry_id,
        issued_at=timezone.now())


def purchase_credit_in_transaction(*, actor: Actor, purchase: Purchase, session: gateway.CheckoutSession) -> str:
    """Credits a locked purchase once its session is paid: issue from payment clearing into the tenant's CEU
    account, receipt, audit. Returns what happened (a repeat returns 'already_credited')."""
    if purchase.credit_entry_id is not None:
        return "already_credited"
    if purchase.status not in (PurchaseStatus.CREATED, PurchaseStatus.OPEN, PurchaseStatus.FAILED,
                               PurchaseStatus.EXPIRED, PurchaseStatus.CANCELLED):
        return f"not_creditable_{purchase.status}"
    if session.amount_total != purchase.price_cents or session.currency.lower() != purchase.currency:
        purchase.status = PurchaseStatus.REVIEW
        purchase.status_reason = (f"Paid {session.amount_total} {session.currency}, expected "
                                  f"{purchase.price_cents} {purchase.currency}: not credited.")
        purchase.save(update_fields=["status", "status_reason", "updated_at"])
        return "amount_mismatch"
    account = account_open(actor=actor, tenant=purchase.tenant, asset=CEU)
    result = issue_create(actor=actor, tenant=purchase.tenant, account_id=account.pk, asset=CEU,
                          amount=purchase.ceu_amount, client_id=f"stripe:{session.id}", source=CLEARING,
                          metadata={"purchase": purchase.pk, "stripe_session": session.id})
    purchase.status, purchase.credit_entry_id, purchase.paid_at = PurchaseStatus.PAID, result.entry_id, timezone.now()
    purchase.payment_intent, purchase.stripe_session_id = session.payment_intent, session.id
    purchase.save()
    _receipt(purchase, ReceiptKind.RECEIPT, result.entry_id, f"{purchase.pack.name}: CEU purchase")
    audit_record(actor=actor, action="billing.purchase_credit", obj=purchase, tenant_id=purchase.tenant_id,
                 after={"ceu_amount": purchase.ceu_amount, "entry": result.entry_id, "session": session.id})
    return "credited"


def purchase_reverse_in_transaction(*, actor: Actor, purchase: Purchase, status: str, reason: str) -> str:
    """Reverses a locked purchase's credit after a full refund or a dispute. When the CEU were already spent the
    ledger refuses (floors hold) and the purchase goes to operator review instead."""
    if purchase.status in REVERSED:
        return "already_reversed"
    if purchase.credit_entry_id is None:
        purchase.status, purchase.status_reason = status, f"{reason} before any credit."
        purchase.save(update_fields=["status", "status_reason", "updated_at"])
        return "nothing_to_reverse"
    try:
        with transaction.atomic():  # a refused reversal must leave the event's transaction usable
            result = entry_reverse(actor=actor, tenant=None, entry_id=purchase.credit_entry_id,
                                   client_id=f"stripe-reversal:{purchase.credit_entry_id}", reason=reason)
    except ApplicationError as exc:
        purchase.status = PurchaseStatus.REVIEW
        purchase.status_reason = f"{reason}: the reversal was refused ({exc.message})"[:500]
        purchase.save(update_fields=["status", "status_reason", "updated_at"])
        audit_record(actor=actor, action="billing.reversal_blocked", obj=purchase, tenant_id=purchase.tenant_id,
                     after={"reason": purchase.status_reason})
        return "reversal_blocked"
    purchase.status, purchase.reversal_entry_id, purchase.status_reason = status, result.entry_id, reason[:500]
    purchase.save(update_fields=["status", "reversal_entry_id", "status_reason", "updated_at"])
    _receipt(purchase, ReceiptKind.CREDIT_NOTE, result.entry_id, f"{purchase.pack.name}: {reason}")
    audit_record(actor=actor, action="billing.purchase_reverse", obj=purchase, tenant_id=purchase.tenant_id,
                 after={"status": status, "entry": result.entry_id, "reason": reason})
    return "reversed"


def purchase_reconcile(*, actor: Actor, tenant: Tenant, purchase_id: int) -> Purchase:
    """The return page's check: asks Stripe for the session and credits a paid one now, so the buyer need not
    wait for the webhook (whichever comes first credits; the other finds it done)."""
    purchase = get_or_not_found(Purchase.objects.filter(tenant=tenant), "No such purchase.", pk=purchase_id)
    if purchase.stripe_session_id is None or purchase.status != PurchaseStatus.OPEN:
        return purchase
    session = gateway.checkout_session_retrieve(session_id=purchase.stripe_session_id)
    with rls.system_context(reason="the clearing account is a system account"), transaction.atomic(durable=True):
        locked = Purchase.objects.select_for_update().select_related("pack", "tenant").get(pk=purchase.pk)
        if session.payment_status == "paid":
            purchase_credit_in_transaction(actor=actor, purchase=locked, session=session)
        elif session.status == "expired" and locked.status == PurchaseStatus.OPEN:
            locked.status = PurchaseStatus.EXPIRED
            locked.save(update_fields=["status", "updated_at"])
    return Purchase.objects.filter(tenant=tenant).get(pk=purchase.pk)


def purchase_cancel(*, actor: Actor, tenant: Tenant, purchase_id: int) -> Purchase:
    """The buyer left Checkout with Cancel: expire the Stripe session so it can no longer be paid, then close the
    purchase. A session paid in the meantime (another tab) is credited instead, as the return page would."""
    purchase = Purchase.objects.filter(tenant=tenant).get(pk=purchase_id)
    if purchase.stripe_session_id is None or purchase.status != PurchaseStatus.OPEN:
        return purchase
    session = gateway.checkout_session_expire(session_id=purchase.stripe_session_id)
    with rls.system_context(reason="the clearing account is a system account"), transaction.atomic(durable=True):
        locked = Purchase.objects.select_for_update().select_related("pack", "tenant").get(pk=purchase.pk)
        if session.payment_status == "paid":
            purchase_credit_in_transaction(actor=actor, purchase=locked, session=session)
        elif locked.status == PurchaseStatus.OPEN:
            locked.status, locked.status_reason = PurchaseStatus.CANCELLED, "Cancelled at checkout."
            locked.save(update_fields=["status", "status_reason", "updated_at"])
            audit_record(actor=actor, action="billing.checkout_cancel", obj=locked, tenant_id=locked.tenant_id,
                         after={"session": session.id})
    return Purchase.objects.filter(tenant=tenant).get(pk=purchase.pk)
