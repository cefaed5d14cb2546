"""Stripe webhooks: verify the signature on the raw body, then, in ONE transaction, claim the event id (insert or
nothing, under its unique constraint), lock the purchase and act. Ten concurrent deliveries of one event: one
inserts and acts; the other nine wait on the unique index, find the id taken and change nothing."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from apps.billing import stripe_gateway as gateway
from apps.billing.models import Purchase, PurchaseStatus, StripeEvent
from apps.billing.services.purchases import purchase_credit_in_transaction, purchase_reverse_in_transaction
from apps.core.actors import Actor
from apps.ledger.services import account_open, issue_create
from apps.ledger.services.retry import with_retries
from apps.ops.services import audit_record
from apps.tenants import rls

ACTOR = Actor.system("stripe_webhook")
Handled = tuple[str, str, Purchase | None]  # outcome, detail, purchase


@dataclass(frozen=True)
class WebhookOutcome:
    event_id: str
    event_type: str
    outcome: str
    duplicate: bool


def _claim(event: dict[str, Any]) -> int | None:
    """The event's row id if this call inserted it; None if the id was already taken (a replay)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO billing_stripeevent (event_id, event_type, stripe_created, payload, outcome, detail, "
            "received_at) VALUES (%s, %s, %s, %s::jsonb, '', '', now()) ON CONFLICT (event_id) DO NOTHING "
            "RETURNING id",
            [event["id"], event["type"][:100], int(event.get("created") or 0), json.dumps(event)])
        row = cursor.fetchone()
    return row[0] if row else None


def _locked(queryset: Any) -> Purchase | None:
    return queryset.select_for_update().select_related("pack", "tenant").order_by("pk").first()


def _purchase_for_session(session: dict[str, Any]) -> Purchase | None:
    found = _locked(Purchase.objects.filter(stripe_session_id=session.get("id")))
    if found is not None:
        return found
    # The create call's answer may have been lost after Stripe made the session: match our own reference.
    reference = str(session.get("client_reference_id") or (session.get("metadata") or {}).get("purchase") or "")
    if reference.isdigit():
        return _locked(Purchase.objects.filter(pk=int(reference), stripe_session_id__isnull=True))
    return None


def _session_of(obj: dict[str, Any]) -> gateway.CheckoutSession:
    return gateway.CheckoutSession(id=obj["id"], url=obj.get("url") or "", status=obj.get("status") or "",
                                   payment_status=obj.get("payment_status") or "",
                                   payment_intent=obj.get("payment_intent") or "",
                                   amount_total=obj.get("amount_total"), currency=obj.get("currency") or "")


def _on_session_completed(obj: dict[str, Any]) -> Handled:
    purchase = _purchase_for_session(obj)
    if purchase is None:
        return "unmatched", f"No purchase for session {obj.get('id')}.", None
    if obj.get("payment_status") != "paid":
        return "awaiting_payment", "Completed with a delayed payment method.", purchase
    return purchase_credit_in_transaction(actor=ACTOR, purchase=purchase, session=_session_of(obj)), "", purchase


def _on_session_closed(status: str) -> Callable[[dict[str, Any]], Handled]:
    def handle(obj: dict[str, Any]) -> Handled:
        purchase = _purchase_for_session(obj)
        if purchase is None:
            return "unmatched", f"No purchase for session {obj.get('id')}.", None
        if purchase.status not in (PurchaseStatus.CREATED, PurchaseStatus.OPEN):
            return "ignored", f"The purchase is already {purchase.status}.", purchase
        purchase.status = status
        purchase.save(update_fields=["status", "updated_at"])
        return status, "", purchase

    return handle


def _purchase_for_charge(obj: dict[str, Any]) -> Purchase | None:
    intent = obj.get("payment_intent")
    return _locked(Purchase.objects.filter(payment_intent=intent)) if intent else None


def _on_refund(obj: dict[str, Any]) -> Handled:
    purchase = _purchase_for_charge(obj)
    if purchase is None:
        return "unmatched", f"No purchase for payment {obj.get('payment_intent')}.", None
    refunded = int(obj.get("amount_refunded") or 0)
    if refunded < purchase.price_cents:
        # Partial refunds are priced by people (which CEU, spent or not): recorded and listed for operators.
        purchase.refunded_cents = max(purchase.refunded_cents, refunded)
        purchase.status_reason = f"Partial refund of {refunded} {purchase.currency} cents: review in the back office."
        purchase.save(update_fields=["refunded_cents", "status_reason", "updated_at"])
        return "partial_refund_recorded", purchase.status_reason, purchase
    purchase.refunded_cents = refunded
    purchase.save(update_fields=["refunded_cents", "updated_at"])
    return purchase_reverse_in_transaction(actor=ACTOR, purchase=purchase, status=PurchaseStatus.REFUNDED,
                                           reason="Refunded"), "", purchase


def _on_dispute(obj: dict[str, Any]) -> Handled:
    purchase = _purchase_for_charge(obj)
    if purchase is None:
        return "unmatched", f"No purchase for payment {obj.get('payment_intent')}.", None
    return purchase_reverse_in_transaction(actor=ACTOR, purchase=purchase, status=PurchaseStatus.DISPUTED,
                                           reason=f"Disputed ({obj.get('reason') or 'no reason given'})"), "", purchase


def _on_dispute_closed(obj: dict[str, Any]) -> Handled:
    """A dispute we won returns the money: the CEU are credited again (a new entry, never an edit)."""
    purchase = _purchase_for_charge(obj)
    if purchase is None:
        return "unmatched", f"No purchase for payment {obj.get('payment_intent')}.", None
    if obj.get("status") != "won" or purchase.status != PurchaseStatus.DISPUTED or not purchase.reversal_entry_id:
        return "ignored", f"Dispute closed as {obj.get('status')}.", purchase
    account = account_open(actor=ACTOR, tenant=purchase.tenant, asset="CEU")
    result = issue_create(actor=ACTOR, tenant=purchase.tenant, account_id=account.pk, asset="CEU",
                          amount=purchase.ceu_amount, client_id=f"stripe-dispute-won:{purchase.reversal_entry_id}",
                          source="payment_clearing", metadata={"purchase": purchase.pk, "dispute": obj.get("id")})
    purchase.status, purchase.credit_entry_id, purchase.reversal_entry_id = PurchaseStatus.PAID, result.entry_id, None
    purchase.status_reason = "Dispute won: credited again."
    purchase.save()
    audit_record(actor=ACTOR, action="billing.dispute_won", obj=purchase, tenant_id=purchase.tenant_id,
                 after={"entry": result.entry_id})
    return "recredited", "", purchase


HANDLERS: dict[str, Callable[[dict[str, Any]], Handled]] = {
    "checkout.session.completed": _on_session_completed,
    "checkout.session.async_payment_succeeded": _on_session_completed,
    "checkout.session.async_payment_failed": _on_session_closed(PurchaseStatus.FAILED),
    "checkout.session.expired": _on_session_closed(PurchaseStatus.EXPIRED),
    "charge.refunded": _on_refund,
    "charge.dispute.created": _on_dispute,
    "charge.dispute.closed": _on_dispute_closed,
}


def _process(event: dict[str, Any]) -> WebhookOutcome:
    with transaction.atomic(durable=True):
        row_id = _claim(event)
        if row_id is None:
            return WebhookOutcome(event["id"], event["type"], "duplicate", duplicate=True)
        handler = HANDLERS.get(event["type"])
        obj = (event.get("data") or {}).get("object")
        if handler is None or not isinstance(obj, dict):
            outcome, detail, purchase = "ignored", "Not an event this platform acts on.", None
        else:
            outcome, detail, purchase = handler(obj)
        StripeEvent.objects.filter(pk=row_id).update(outcome=outcome[:32], detail=detail[:500], purchase=purchase)
        return WebhookOutcome(event["id"], event["type"], outcome, duplicate=False)


def stripe_webhook_receive(*, payload: bytes, signature: str) -> WebhookOutcome:
    """Entry point of the webhook endpoint. Raises ApplicationError (400) before touching the database when the
    signature, its timestamp or the body is wrong. A system context: the tenant comes from the purchase."""
    event = gateway.event_verify(payload=payload, signature=signature)
    with rls.system_context(reason="Stripe is no tenant: the purchase names the tenant"):
        return with_retries(lambda: _process(event))
