from __future__ import annotations

from django.db.models import QuerySet

from apps.billing.models import CeuPack, OperatorCredit, Purchase, Receipt
from apps.core.selectors import get_or_not_found
from apps.tenants.models import Tenant


def pack_list() -> QuerySet[CeuPack]:
    """Packs on sale; the same for every tenant (no tenant argument: a platform price list)."""
    return CeuPack.objects.filter(is_active=True).order_by("sort_order", "price_cents", "id")


def purchase_list(*, tenant: Tenant, status: str | None = None) -> QuerySet[Purchase]:
    qs = Purchase.objects.filter(tenant=tenant).select_related("pack")
    return qs.filter(status=status) if status else qs


def purchase_get(*, tenant: Tenant, purchase_id: int) -> Purchase:
    return get_or_not_found(purchase_list(tenant=tenant), "No such purchase.", pk=purchase_id)


def receipt_list(*, tenant: Tenant) -> QuerySet[Receipt]:
    return Receipt.objects.filter(tenant=tenant).select_related("purchase")


def receipt_get(*, tenant: Tenant, receipt_id: int) -> Receipt:
    return get_or_not_found(receipt_list(tenant=tenant), "No such receipt.", pk=receipt_id)


def operator_credit_list(*, tenant: Tenant) -> QuerySet[OperatorCredit]:
    return OperatorCredit.objects.filter(tenant=tenant)
