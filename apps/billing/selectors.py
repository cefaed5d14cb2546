from __future__ import annotations

from django.db.models import QuerySet

from apps.billing.models import CeuPack, OperatorCredit, Purchase, Receipt
from apps.tenants.models import Tenant


def pack_list() -> QuerySet[CeuPack]:
    """Packs on sale; the same for every tenant (no tenant argument: a platform price list)."""
    return CeuPack.objects.filter(is_active=True).order_by("sort_order", "price_cents", "id")


def purchase_list(*, tenant: Tenant, status: str | None = None) -> QuerySet[Purchase]:
    qs = Purchase.objects.filter(tenant=tenant).select_related("pack")
    return qs.filter(status=status) if status else qs


def purchase_get(*, tenant: Tenant, purchase_id: int) -> Purchase:
    return purchase_list(tenant=tenant).get(pk=purchase_id)


def receipt_list(*, tenant: Tenant) -> QuerySet[Receipt]:
    return Receipt.objects.filter(tenant=tenant).select_related("purchase")


def receipt_get(*, tenant: Tenant, receipt_id: int) -> Receipt:
    return receipt_list(tenant=tenant).get(pk=receipt_id)


def operator_credit_list(*, tenant: Tenant) -> QuerySet[OperatorCredit]:
    return OperatorCredit.objects.filter(tenant=tenant)
