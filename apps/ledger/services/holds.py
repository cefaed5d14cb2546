"""Two-phase transfers. A hold reserves funds with pending postings; it is later posted (for at most its amount)
or voided, exactly once: the hold row is locked and its status moves out of 'pending' in the same transaction
as the resolving entry."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.ledger.domain import MAX_AMOUNT, PostingSpec
from apps.ledger.errors import LedgerErrorCode
from apps.ledger.models import Account, EntryKind, Hold, HoldStatus
from apps.ledger.services.entries import build_spec, entry_apply
from apps.ledger.services.retry import with_retries
from apps.tenants import rls
from apps.tenants.models import Tenant


def hold_create_in_transaction(*, actor: Actor, tenant: Tenant | None, client_id: str, debit_account_id: int,
                               credit_account_id: int, amount: int, expires_at: datetime | None = None,
                               metadata: dict[str, Any] | None = None) -> Hold:
    """For callers composing a hold with their own writes (orders, lab jobs)."""
    if type(amount) is not int or not 0 < amount <= MAX_AMOUNT:
        raise ApplicationError(f"A hold's amount is a positive integer, at most {MAX_AMOUNT:,}.",
                               code=LedgerErrorCode.INVALID_AMOUNT)
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError("A hold's expiry must lie in the future.", code=LedgerErrorCode.INVALID_AMOUNT)
    with rls.system_context(reason="the credited account is another tenant's or a system account"):
        existing = Hold.objects.filter(tenant=tenant, client_id=client_id).first()
        if existing is not None:
            return _replayed_hold(existing, debit_account_id, credit_account_id, amount)
        accounts = Account.objects.in_bulk([debit_account_id, credit_account_id])
        if len(accounts) != 2 or accounts[debit_account_id].asset_id != accounts[credit_account_id].asset_id:
            raise ApplicationError("Both accounts must exist and hold the same asset.",
                                   code=LedgerErrorCode.ASSET_MISMATCH)
        spec = build_spec(tenant=tenant, client_id=f"hold:{client_id}", actor=actor, kind=EntryKind.HOLD,
                          metadata=metadata, postings=[PostingSpec(debit_account_id, -amount, "pending"),
                                                       PostingSpec(credit_account_id, amount, "pending")])
        result = entry_apply(spec)
        return Hold.objects.create(tenant=tenant, client_id=client_id, debit_account_id=debit_account_id,
                                   credit_account_id=credit_account_id, asset_id=accounts[debit_account_id].asset_id,
                                   amount=amount, expires_at=expires_at, pending_entry_id=result.entry_id,
                                   metadata=metadata or {})


def _replayed_hold(existing: Hold, debit: int, credit: int, amount: int) -> Hold:
    if (existing.debit_account_id, existing.credit_account_id, existing.amount) != (debit, credit, amount):
        raise ApplicationError("This client id was used for a different hold.",
                               code=LedgerErrorCode.IDEMPOTENCY_CONFLICT, status=409)
    return existing


def hold_create(**kwargs: Any) -> Hold:
    def run() -> Hold:
        with transaction.atomic(durable=True):
            return hold_create_in_transaction(**kwargs)

    return with_retries(run)


def _locked_pending(hold_id: int, tenant: Tenant | None) -> Hold:
    hold = Hold.objects.select_for_update().filter(pk=hold_id).first()
    if hold is None or (tenant is not None and hold.tenant_id != tenant.pk):
        raise ApplicationError("No such hold.", code=LedgerErrorCode.UNKNOWN_ACCOUNT, status=404)
    if hold.status != HoldStatus.PENDING:
        raise ApplicationError(f"This hold is already {hold.status}.", code=LedgerErrorCode.HOLD_NOT_PENDING,
                               status=409)
    return hold


def hold_post_in_transaction(*, actor: Actor, tenant: Tenant | None, hold_id: int, amount: int | None = None,
                             credit_account_id: int | None = None, extra_postings: Sequence[PostingSpec] = (),
                             metadata: dict[str, Any] | None = None) -> Hold:
    """Posts `amount` (default: all) of the hold; the rest is released. `extra_postings` let a caller settle more
    legs (fees, the other side of a trade) in the same entry."""
    with rls.system_context(reason="posting credits another tenant's or a system account"):
        hold = _locked_pending(hold_id, tenant)
        amount = hold.amount if amount is None else amount
        if type(amount) is not int or not 0 < amount <= hold.amount:
            raise ApplicationError(f"Post between 1 and {hold.amount}.", code=LedgerErrorCode.HOLD_AMOUNT_EXCEEDED)
        destination = credit_account_id or hold.credit_account_id
        postings = [PostingSpec(hold.debit_account_id, hold.amount, "release"),
                    PostingSpec(hold.credit_account_id, -hold.amount, "release"),
                    PostingSpec(hold.debit_account_id, -amount), PostingSpec(destination, amount),
                    *extra_postings]
        spec = build_spec(tenant=hold.tenant, client_id=f"hold-post:{hold.pk}", actor=actor,
                          kind=EntryKind.HOLD_POST, metadata=metadata, postings=postings, hold_id=hold.pk)
        result = entry_apply(spec)
        Hold.objects.filter(pk=hold.pk).update(status=HoldStatus.POSTED, posted_amount=amount,
                                               resolution_entry_id=result.entry_id, updated_at=timezone.now())
        hold.refresh_from_db()
        return hold


def hold_void_in_transaction(*, actor: Actor, tenant: Tenant | None, hold_id: int,
                             status: str = HoldStatus.VOIDED) -> Hold:
    with rls.system_context(reason="a void entry's legs include the credited side's account"):
        hold = _locked_pending(hold_id, tenant)
        spec = build_spec(tenant=hold.tenant, client_id=f"hold-void:{hold.pk}", actor=actor,
                          kind=EntryKind.HOLD_VOID, hold_id=hold.pk, metadata={"status": status},
                          postings=[PostingSpec(hold.debit_account_id, hold.amount, "release"),
                                    PostingSpec(hold.credit_account_id, -hold.amount, "release")])
        result = entry_apply(spec)
        Hold.objects.filter(pk=hold.pk).update(status=status, resolution_entry_id=result.entry_id,
                                               updated_at=timezone.now())
        hold.refresh_from_db()
        return hold


def hold_release_pending_in_transaction(*, actor: Actor, hold_id: int | None) -> bool:
    """Voids a work item's reservation if it is still pending; False when there is none or it was already settled
    or expired (a finished or failed job may reach here after the hold's own expiry). The one release path for
    lab jobs and capsule runs."""
    if not hold_id or not Hold.objects.filter(pk=hold_id, status=HoldStatus.PENDING).exists():
        return False
    hold_void_in_transaction(actor=actor, tenant=None, hold_id=hold_id)
    return True


def hold_post(**kwargs: Any) -> Hold:
    def run() -> Hold:
        with transaction.atomic(durable=True):
            return hold_post_in_transaction(**kwargs)

    return with_retries(run)


def hold_void(**kwargs: Any) -> Hold:
    def run() -> Hold:
        with transaction.atomic(durable=True):
            return hold_void_in_transaction(**kwargs)

    return with_retries(run)


def holds_expire(*, now: datetime | None = None, limit: int = 500) -> int:
    """Voids pending holds past their expiry (the periodic task). Each hold in its own short transaction."""
    now = now or timezone.now()
    with rls.system_context(reason="the expiry sweep covers every tenant's holds"):
        due = list(Hold.objects.filter(status=HoldStatus.PENDING, expires_at__lte=now)
                   .order_by("expires_at", "id").values_list("pk", flat=True)[:limit])
    expired = 0
    for hold_id in due:
        try:
            hold_void(actor=Actor.system("holds_expire"), tenant=None, hold_id=hold_id, status=HoldStatus.EXPIRED)
            expired += 1
        except ApplicationError:
            continue  # resolved meanwhile by someone else: nothing to do
    return expired
