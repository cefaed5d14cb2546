"""Hold rows for system processes that apply their hold entries in batches through the engine themselves (the
market runner: one batch per market transaction). The entries are the ledger's record; these rows give each
reservation the same status a hold made through hold_create has, and only the ledger app writes them."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection

from apps.core.db import rows_copy_in
from apps.ledger.models import HoldStatus
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


HOLD_COLUMNS = ("id", "tenant_id", "client_id", "debit_account_id", "credit_account_id", "asset_id", "amount",
                "posted_amount", "status", "expires_at", "pending_entry_id", "resolution_entry_id", "metadata",
                "created_at", "updated_at")
# One statement moves every changed hold on; a hold already out of 'pending' is never touched again.
UPDATE_HOLDS_SQL = (
    "UPDATE ledger_hold AS h SET amount = u.amount, updated_at = %s, "
    "status = CASE WHEN u.ended THEN u.status ELSE h.status END, "
    "posted_amount = CASE WHEN u.ended THEN u.used ELSE h.posted_amount END, "
    "resolution_entry_id = CASE WHEN u.ended THEN u.resolution ELSE h.resolution_entry_id END "
    "FROM unnest(%s::bigint[], %s::bigint[], %s::boolean[], %s::text[], %s::bigint[], %s::bigint[]) "
    "AS u(id, amount, ended, status, used, resolution) WHERE h.id = u.id AND h.status = 'pending'"
)


def _status(state: SystemHold) -> str:
    if not state.ended:
        return HoldStatus.PENDING
    if state.used:
        return HoldStatus.POSTED
    return HoldStatus.EXPIRED if state.expired else HoldStatus.VOIDED


def _opening_row(opening: SystemHoldOpening, now: datetime) -> tuple[Any, ...]:
    state = opening.hold
    assert opening.pending_entry_id is not None  # set when its pending entry was applied, before this
    ended = state.ended
    return (state.hold_id, None, opening.client_id, opening.debit_account_id, opening.credit_account_id,
            opening.asset, state.reserved, state.used if ended else None, _status(state), None,
            opening.pending_entry_id, state.resolution_entry_id if ended else None,
            json.dumps(opening.metadata, separators=(",", ":")), now, now)


def system_holds_record(*, opened: list[SystemHoldOpening], changed: list[SystemHold], now: datetime) -> None:
    """Inside the caller's transaction, after its batch of entries: write the new holds' rows (already resolved
    when their order ended in the same batch) with COPY, and move the changed ones on in one UPDATE. A hold
    already out of 'pending' is never touched again. Cost: two statements per batch, whatever its size (Django's
    bulk_create and one UPDATE per hold cost more than a batch's ledger entries)."""
    with rls.system_context(reason="the matching engine's holds belong to no tenant"):
        if opened:
            rows_copy_in("ledger_hold", HOLD_COLUMNS, (_opening_row(opening, now) for opening in opened))
        if changed:
            with connection.cursor() as cursor:
                cursor.execute(UPDATE_HOLDS_SQL, [now, [s.hold_id for s in changed], [s.reserved for s in changed],
                                                  [s.ended for s in changed], [_status(s) for s in changed],
                                                  [s.used for s in changed], [s.resolution_entry_id for s in changed]])
