"""Platform-wide figures for operators (back office only; system context, every tenant): money received, CEU
issued, and purchases that need a person. What capsules spent is shown by apps/capsules/back_office.py."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum

from apps.billing.models import OperatorCredit, Purchase, PurchaseStatus
from apps.ledger.models import Account

REVERSED = [PurchaseStatus.REFUNDED, PurchaseStatus.DISPUTED]


@dataclass
class Overview:
    revenue: list[dict[str, object]] = field(default_factory=list)  # per currency: gross, refunded, net (cents)
    ceu_sold: int = 0
    ceu_credited_by_operators: int = 0
    ceu_issued_total: int = 0
    to_review: int = 0


def _system_outflow(asset: str, code: str) -> int:
    """What a system account has paid out (its balance is negative: it is the source of what it issued)."""
    account = Account.objects.filter(tenant__isnull=True, asset_id=asset, code=code).first()
    return -account.balance if account else 0


def _revenue() -> list[dict[str, object]]:
    rows = Purchase.objects.filter(paid_at__isnull=False).values("currency").annotate(
        gross=Sum("price_cents"), purchases=Count("id"),
        reversed=Sum("price_cents", filter=Q(status__in=REVERSED)),
        partial=Sum("refunded_cents", filter=~Q(status__in=REVERSED))).order_by("currency")
    return [{"currency": r["currency"].upper(), "purchases": r["purchases"], "gross": r["gross"] or 0,
             "refunded": (r["reversed"] or 0) + (r["partial"] or 0),
             "net": (r["gross"] or 0) - (r["reversed"] or 0) - (r["partial"] or 0)} for r in rows]


def review_queue() -> QuerySet[Purchase]:
    """Purchases a person must look at: amount mismatches, reversals the ledger refused, partial refunds."""
    return Purchase.objects.filter(Q(status=PurchaseStatus.REVIEW) | Q(status=PurchaseStatus.PAID,
                                                                       refunded_cents__gt=0)) \
        .select_related("tenant", "pack").order_by("-updated_at", "-id")


def overview() -> Overview:
    return Overview(
        revenue=_revenue(), ceu_sold=_system_outflow("CEU", "payment_clearing"),
        ceu_credited_by_operators=OperatorCredit.objects.aggregate(total=Sum("amount"))["total"] or 0,
        ceu_issued_total=_system_outflow("CEU", "issuance") + _system_outflow("CEU", "payment_clearing"),
        to_review=review_queue().count())
