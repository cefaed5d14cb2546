"""The only module that talks to Stripe: Checkout sessions through Stripe's own library (its API base is a
setting, so tests point it at a local stand-in), and webhook signature verification on the raw body."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import stripe
from django.conf import settings

from apps.billing.errors import BillingErrorCode
from apps.core.errors import ApplicationError

DEFAULT_TOLERANCE = 300  # seconds a signed webhook stays acceptable; Stripe's own default


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    status: str
    payment_status: str
    payment_intent: str
    amount_total: int | None
    currency: str


STRIPE_API = "https://api.stripe.com"


class PaymentsMode(StrEnum):
    OFF = "off"  # no secret key: nothing can be bought
    STANDIN = "standin"  # the local stand-in (tools/stripe_standin): test mode, no card involved
    TEST = "test"  # Stripe itself with an sk_test_ key: test mode, Stripe's test cards
    LIVE = "live"


def payments_mode() -> PaymentsMode:
    """What the Buy CEU page must tell the buyer: whether a real card is charged."""
    key = getattr(settings, "STRIPE_SECRET_KEY", "")
    if not key:
        return PaymentsMode.OFF
    if getattr(settings, "STRIPE_API_BASE", STRIPE_API).rstrip("/") != STRIPE_API:
        return PaymentsMode.STANDIN
    return PaymentsMode.TEST if key.startswith(("sk_test_", "rk_test_")) else PaymentsMode.LIVE


def ensure_configured() -> None:
    """Raised before anything is stored, so a platform without Stripe keys leaves no purchase behind."""
    if payments_mode() == PaymentsMode.OFF:
        raise ApplicationError("Card payments are not configured on this platform.",
                               code=BillingErrorCode.PAYMENTS_NOT_CONFIGURED, status=503)


def _client() -> stripe.StripeClient:
    ensure_configured()
    key = settings.STRIPE_SECRET_KEY
    assert key, "ensure_configured() refuses a platform without a Stripe key"
    base = getattr(settings, "STRIPE_API_BASE", STRIPE_API)
    return stripe.StripeClient(key, base_addresses={"api": base}, max_network_retries=2)


def _session(obj: Any) -> CheckoutSession:
    return CheckoutSession(id=obj["id"], url=obj.get("url") or "", status=obj.get("status") or "",
                           payment_status=obj.get("payment_status") or "",
                           payment_intent=obj.get("payment_intent") or "", amount_total=obj.get("amount_total"),
                           currency=obj.get("currency") or "")


def _provider_error(exc: stripe.StripeError) -> ApplicationError:
    return ApplicationError(f"The payment provider refused the request: {exc.user_message or exc}",
                            code=BillingErrorCode.PAYMENT_PROVIDER_ERROR, status=502)


def checkout_session_create(*, purchase_id: int, tenant_id: int, product_name: str, price_cents: int,
                            currency: str, success_url: str, cancel_url: str) -> CheckoutSession:
    """Stripe's idempotency key is the purchase id: a retried call returns the same session, never a second one."""
    params: dict[str, Any] = {
        "mode": "payment", "success_url": success_url, "cancel_url": cancel_url,
        "client_reference_id": str(purchase_id),
        "line_items": [{"quantity": 1, "price_data": {"currency": currency, "unit_amount": price_cents,
                                                      "product_data": {"name": product_name}}}],
        "metadata": {"purchase": str(purchase_id), "tenant": str(tenant_id)},
        "payment_intent_data": {"metadata": {"purchase": str(purchase_id), "tenant": str(tenant_id)}},
    }
    try:
        session = _client().v1.checkout.sessions.create(params=params,
                                                        options={"idempotency_key": f"purchase-{purchase_id}"})
    except stripe.StripeError as exc:
        raise _provider_error(exc) from exc
    return _session(session)


def checkout_session_retrieve(*, session_id: str) -> CheckoutSession:
    try:
        return _session(_client().v1.checkout.sessions.retrieve(session_id))
    except stripe.StripeError as exc:
        raise _provider_error(exc) from exc


def checkout_session_expire(*, session_id: str) -> CheckoutSession:
    """Closes an open session so it can no longer be paid; a session that is already complete or expired is
    returned as it is (Stripe refuses to expire those), so the caller can see whether it was paid."""
    client = _client()
    try:
        return _session(client.v1.checkout.sessions.expire(session_id))
    except stripe.InvalidRequestError:
        pass
    except stripe.StripeError as exc:
        raise _provider_error(exc) from exc
    return checkout_session_retrieve(session_id=session_id)


def tolerance() -> int:
    return int(getattr(settings, "STRIPE_WEBHOOK_TOLERANCE", DEFAULT_TOLERANCE))


def _signed_at(signature: str) -> int | None:
    for item in signature.split(","):
        key, _, value = item.partition("=")
        if key.strip() == "t" and value.strip().isdigit():
            return int(value)
    return None


def event_verify(*, payload: bytes, signature: str) -> dict[str, Any]:
    """The event, if `signature` (the Stripe-Signature header: t=..., v1=HMAC-SHA256 of "t.payload") matches the
    raw body under STRIPE_WEBHOOK_SECRET and was made within the tolerance window (either side of now)."""
    secret = getattr(settings, "STRIPE_WEBHOOK_SECRET", "")
    if not secret:
        raise ApplicationError("Stripe webhooks are not configured.", code=BillingErrorCode.PAYMENTS_NOT_CONFIGURED,
                               status=503)
    window = tolerance()
    try:
        stripe.Webhook.construct_event(payload, signature, secret, tolerance=window)
    except stripe.SignatureVerificationError as exc:
        stale = "tolerance" in str(exc)
        raise ApplicationError("The webhook's timestamp is outside the tolerance window." if stale else
                               "The webhook's signature does not verify.",
                               code=BillingErrorCode.STALE_TIMESTAMP if stale else BillingErrorCode.BAD_SIGNATURE,
                               status=400) from exc
    except (ValueError, AttributeError, TypeError) as exc:  # not JSON, or JSON that is not an object
        raise ApplicationError("The webhook body is not a JSON event.", code=BillingErrorCode.MALFORMED_EVENT,
                               status=400) from exc
    signed_at = _signed_at(signature)
    if signed_at is None or signed_at > time.time() + window:
        # Stripe's library checks only the past side; a timestamp from the future is as suspect.
        raise ApplicationError("The webhook's timestamp is outside the tolerance window.",
                               code=BillingErrorCode.STALE_TIMESTAMP, status=400)
    event = json.loads(payload)
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        raise ApplicationError("The webhook body is not a Stripe event.", code=BillingErrorCode.MALFORMED_EVENT,
                               status=400)
    return event
