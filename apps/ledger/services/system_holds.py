"""Hold rows for system processes that apply their hold entries in batches through the engine themselves (the
market runner: one batch per market transaction). The entries are the ledger's record; these rows give each
reservation the same status a hold made through hold_create has, and only the ledger app writes them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection

from apps.ledger.models import Hold, HoldStatus
from apps.tenants import rls


@dataclass(frozen=True)
class SystemHold:
    """One reservation as its owner sees it after a batch: `reserved` in all, `used` by postings so far;
    `ended` once it reserves nothing more (then posted for `used`, or voided / expired when nothing was used)."""
    hold_id: int
    reserved: int
    used: int
    ended: bool = False
    expired: bool = False
    resolution_entry_id: int | None = None


@dataclass(frozen=True)
class SystemHoldOpening:
    hold: SystemHold
    client_id: str
    debit_account_id: int
    credit_account_id: int
    asset: str
    pending_entry_id: int | None
    metadata: dict[str, Any] = field(default_factory=dict)


def system_hold_id_allocate() -> int:
    """An id for a hold whose entries are applied before its row is written (they reference it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('ledger_hold', 'id'))")
        return cursor.fetchone()[0]


def _resolution(state: SystemHold, now: datetime) -> dict[str, Any]:
    if not state.ended:
        return {}
    if state.used:
        status = HoldStatus.POSTED
    else:
        status = HoldStatus.EXPIRED if state.expired else HoldStatus.VOIDED
    return {"status": status, "posted_amount": state.used, "resolution_entry_id": state.resolution_entry_id,
            "updated_at": now}


def system_holds_record(*, opened: list[SystemHoldOpening], changed: list[SystemHold], now: datetime) -> None:
    """Inside the caller's transaction, after its batch of entries: write the new holds' rows (already resolved
    when their order ended in the same batch) and move the changed ones on. A hold already out of 'pending' is
    never touched again."""
    with rls.system_context(reason="the matching engine's holds belong to no tenant"):
        rows = []
        for opening in opened:
            assert opening.pending_entry_id is not None  # set when its pending entry was applied, before this
            hold = Hold(id=opening.hold.hold_id, tenant=None, client_id=opening.client_id,
                        debit_account_id=opening.debit_account_id, credit_account_id=opening.credit_account_id,
                        asset_id=opening.asset, amount=opening.hold.reserved, pending_entry_id=opening.pending_entry_id,
                        metadata=opening.metadata)
            for name, value in _resolution(opening.hold, now).items():
                setattr(hold, name, value)
            rows.append(hold)
        Hold.objects.bulk_create(rows)
        for state in changed:
            values: dict[str, Any] = {"amount": state.reserved, "updated_at": now, **_resolution(state, now)}
            Hold.objects.filter(pk=state.hold_id, status=HoldStatus.PENDING).update(**values)
