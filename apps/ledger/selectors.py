from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet, Sum

from apps.core.selectors import get_or_not_found
from apps.ledger.models import Account, Entry, Hold, Posting
from apps.tenants.models import Tenant


def account_list(*, tenant: Tenant, asset: str | None = None) -> QuerySet[Account]:
    qs = Account.objects.filter(tenant=tenant)
    if asset:
        qs = qs.filter(asset_id=asset)
    return qs.order_by("asset_id", "code", "id")


def account_get(*, tenant: Tenant, account_id: int) -> Account:
    return get_or_not_found(Account.objects.filter(tenant=tenant), "No such account.", pk=account_id)


def account_main(*, tenant: Tenant, asset: str) -> Account | None:
    return Account.objects.filter(tenant=tenant, asset_id=asset, code="main").first()


def balance_as_of(*, tenant: Tenant, account_id: int, as_of: datetime) -> int:
    """The posted balance at `as_of`: the sum of the account's posted postings up to then."""
    account = account_get(tenant=tenant, account_id=account_id)
    total = Posting.objects.filter(account=account, phase="posted", created_at__lte=as_of) \
        .aggregate(total=Sum("amount"))["total"]
    return total or 0


def posting_history(*, tenant: Tenant, account_id: int, start: datetime | None = None,
                    end: datetime | None = None) -> QuerySet[Posting]:
    account = account_get(tenant=tenant, account_id=account_id)
    qs = Posting.objects.filter(account=account).select_related("entry")
    if start:
        qs = qs.filter(created_at__gte=start)
    if end:
        qs = qs.filter(created_at__lt=end)
    return qs


def entry_list(*, tenant: Tenant, account_id: int | None = None, asset: str | None = None,
               start: datetime | None = None, end: datetime | None = None,
               metadata: dict[str, Any] | None = None, kind: str | None = None) -> QuerySet[Entry]:
    """Entries that touch the tenant's accounts (its own entries, and credits it received)."""
    touching = Posting.objects.filter(tenant=tenant)
    if account_id is not None:
        touching = touching.filter(account_id=account_id)
    if asset:
        touching = touching.filter(asset_id=asset)
    qs = Entry.objects.filter(Q(tenant=tenant) | Q(pk__in=touching.values("entry_id")))
    if account_id is not None or asset:
        qs = qs.filter(pk__in=touching.values("entry_id"))
    if start:
        qs = qs.filter(created_at__gte=start)
    if end:
        qs = qs.filter(created_at__lt=end)
    if kind:
        qs = qs.filter(kind=kind)
    if metadata:
        qs = qs.filter(metadata__contains=metadata)
    return qs.select_related("seal").prefetch_related("postings")


def entry_get(*, tenant: Tenant, entry_id: int) -> Entry:
    return get_or_not_found(entry_list(tenant=tenant), "No such entry.", pk=entry_id)


def hold_list(*, tenant: Tenant, status: str | None = None) -> QuerySet[Hold]:
    qs = Hold.objects.filter(tenant=tenant)
    return qs.filter(status=status) if status else qs


def hold_get(*, tenant: Tenant, hold_id: int) -> Hold:
    return get_or_not_found(Hold.objects.filter(tenant=tenant), "No such hold.", pk=hold_id)


def balance_series(*, tenant: Tenant, account_id: int, limit: int = 500) -> list[tuple[datetime, int]]:
    """(time, posted balance after) for the account's latest posted postings, oldest first, for charts."""
    rows = list(posting_history(tenant=tenant, account_id=account_id).filter(phase="posted")
                .order_by("-created_at", "-id").values_list("created_at", "balance_after")[:limit])
    return rows[::-1]
