from __future__ import annotations

from apps.billing.services.credits import operator_credit_issue
from apps.billing.services.events import WebhookOutcome, stripe_webhook_receive
from apps.billing.services.purchases import (
    checkout_start,
    purchase_cancel,
    purchase_credit_in_transaction,
    purchase_reconcile,
    purchase_reverse_in_transaction,
)

__all__ = ["WebhookOutcome", "checkout_start", "operator_credit_issue", "purchase_cancel",
           "purchase_credit_in_transaction",
           "purchase_reconcile", "purchase_reverse_in_transaction", "stripe_webhook_receive"]
