"""CEU packs bought by card through Stripe Checkout (apps/billing). Prices are integer cents; CEU amounts are
minor units (1 CEU = 1000)."""
from __future__ import annotations

from apps.billing.errors import BillingErrorCode as B
from thermodynasty.openapi_docs.base import T0, T1, Doc, page

PURCHASE = {"id": 88, "pack": 2, "ceu_amount": 100000, "price_cents": 4900, "currency": "eur", "status": "pending",
            "status_reason": "", "checkout_url": "https://checkout.stripe.com/c/pay/cs_test_a1B2c3D4",
            "refunded_cents": 0, "paid_at": None, "created_at": T0}
PAID = {**PURCHASE, "status": "paid", "paid_at": T1}

DOCS: dict[str, Doc] = {
    "billing_packs_list": Doc(
        "List CEU packs", "The CEU packs on sale, with their price in cents.",
        response=[{"id": 2, "name": "Starter 100 CEU", "ceu_amount": 100000, "price_cents": 4900,
                   "currency": "eur"}]),
    "billing_checkout_create": Doc(
        "Start a checkout",
        "Creates a purchase and its Stripe Checkout session; redirect the buyer to `checkout_url`. The CEU are "
        "credited when Stripe confirms payment; Stripe returns the buyer to `success_url` or `cancel_url`.",
        request={"pack": 2, "success_url": "https://app.helios.example/billing/done",
                 "cancel_url": "https://app.helios.example/billing/cancelled"},
        response=PURCHASE,
        errors={400: (B.UNKNOWN_PACK,), 502: (B.PAYMENT_PROVIDER_ERROR,), 503: (B.PAYMENTS_NOT_CONFIGURED,)}),
    "billing_purchases_list": Doc(
        "List purchases", "Your CEU purchases, newest first; filter by `status`.", response=page(PAID)),
    "billing_purchases_retrieve": Doc(
        "Get a purchase", "One purchase with its status, amounts and refunds.", response=PAID),
    "billing_purchases_reconcile": Doc(
        "Reconcile a purchase",
        "Asks Stripe for the checkout session now and credits a paid purchase whose webhook has not arrived yet.",
        response=PAID, errors={502: (B.PAYMENT_PROVIDER_ERROR,), 503: (B.PAYMENTS_NOT_CONFIGURED,)}),
    "billing_receipts_list": Doc(
        "List receipts",
        "Receipts for paid purchases and credit notes for refunded ones, with sequential numbers.",
        response=page({"id": 140, "number": "TD-2026-000140", "kind": "receipt", "purchase": 88,
                       "description": "Starter 100 CEU", "amount_cents": 4900, "currency": "eur",
                       "ceu_amount": 100000, "payment_reference": "pi_3Oa1B2c3D4e5F6g7", "issued_at": T1,
                       "created_at": T1})),
    "billing_stripe_webhook": Doc(
        "Receive a Stripe event",
        "Called by Stripe, not by partners: no API key; the `Stripe-Signature` header is verified. Each event is "
        "processed once; repeats answer `duplicate: true`.",
        request={"id": "evt_1Oa1B2c3D4e5F6g7", "type": "checkout.session.completed",
                 "created": 1772442900, "data": {"object": {"id": "cs_test_a1B2c3D4", "payment_status": "paid"}}},
        response={"received": True, "event": "evt_1Oa1B2c3D4e5F6g7", "type": "checkout.session.completed",
                  "outcome": "credited", "duplicate": False},
        errors={400: (B.BAD_SIGNATURE, B.STALE_TIMESTAMP, B.MALFORMED_EVENT, B.INVALID_CREDIT),
                503: (B.PAYMENTS_NOT_CONFIGURED,)},
        public=True),
}
