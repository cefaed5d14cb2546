"""Buying CEU with Stripe Checkout: packs on sale, a tenant's purchases (one Checkout session each), the receipts
and credit notes they produce, every Stripe event received (unique by id), and operators' credits."""
from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from apps.tenants.models import TenantOwnedModel


class CeuPack(models.Model):
    """A CEU amount sold at a fixed price. Platform-wide: every tenant sees the same packs."""

    name = models.CharField(max_length=100, unique=True)
    ceu_amount = models.BigIntegerField(validators=[MinValueValidator(1)], help_text="CEU minor units (thousandths).")
    price_cents = models.PositiveIntegerField(validators=[MinValueValidator(50)],
                                              help_text="Price in cents of `currency` (Stripe's minimum is 50).")
    currency = models.CharField(max_length=3, default="usd")
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(name="billing_pack_positive",
                                              condition=Q(ceu_amount__gt=0) & Q(price_cents__gte=50))]

    def __str__(self) -> str:
        return self.name


class PurchaseStatus(models.TextChoices):
    CREATED = "created", "Created"
    OPEN = "open", "Awaiting payment"
    PAID = "paid", "Paid and credited"
    FAILED = "failed", "Payment failed"
    EXPIRED = "expired", "Checkout expired"
    CANCELLED = "cancelled", "Cancelled at checkout"
    REFUNDED = "refunded", "Refunded (credit reversed)"
    DISPUTED = "disputed", "Disputed (credit reversed)"
    REVIEW = "review", "Needs operator review"


class Purchase(TenantOwnedModel):
    """One Checkout session. Pack terms are copied at purchase time; the credit happens once, when the payment
    is confirmed (webhook or return-page reconciliation), under this row's lock."""

    pack = models.ForeignKey(CeuPack, on_delete=models.PROTECT, related_name="+")
    ceu_amount = models.BigIntegerField()
    price_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=PurchaseStatus.choices, default=PurchaseStatus.CREATED,
                              db_index=True)
    stripe_session_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    payment_intent = models.CharField(max_length=255, blank=True, db_index=True)
    credit_entry_id = models.BigIntegerField(null=True, blank=True)
    reversal_entry_id = models.BigIntegerField(null=True, blank=True)
    refunded_cents = models.PositiveIntegerField(default=0)
    paid_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=500, blank=True)
    created_by_label = models.CharField(max_length=200, blank=True)


class ReceiptKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    CREDIT_NOTE = "credit_note", "Credit note"


class Receipt(TenantOwnedModel):
    """A receipt when a purchase is paid; a credit note (negative amounts) when its credit is reversed."""

    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="receipts")
    kind = models.CharField(max_length=16, choices=ReceiptKind.choices)
    number = models.CharField(max_length=32, unique=True)
    description = models.CharField(max_length=300)
    amount_cents = models.IntegerField()
    currency = models.CharField(max_length=3)
    ceu_amount = models.BigIntegerField()
    payment_reference = models.CharField(max_length=255, blank=True)
    entry_id = models.BigIntegerField(unique=True, help_text="The ledger entry it documents: one document each.")
    issued_at = models.DateTimeField()


class StripeEvent(models.Model):
    """Every verified Stripe event, once: the unique event id is claimed inside the transaction that acts on it,
    so concurrent or repeated deliveries of one event act once. System-owned (operators only)."""

    event_id = models.CharField(max_length=255, unique=True)
    event_type = models.CharField(max_length=100)
    stripe_created = models.BigIntegerField(help_text="Event creation time at Stripe (Unix seconds).")
    payload = models.JSONField()
    outcome = models.CharField(max_length=32, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    purchase = models.ForeignKey(Purchase, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class OperatorCredit(TenantOwnedModel):
    """CEU granted by an operator from the back office (goodwill, promotions, corrections), with its reason."""

    amount = models.BigIntegerField(validators=[MinValueValidator(1)])
    reason = models.CharField(max_length=1000)
    entry_id = models.BigIntegerField(unique=True)
    operator_label = models.CharField(max_length=200)
