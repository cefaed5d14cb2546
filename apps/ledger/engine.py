"""Applies a batch of entries in the caller's transaction: replay detection, account locks in id order,
sequential floor checks in Python, then one set-based `ledger_commit` call that extends the hash chain.

Cost: three round trips per batch whatever its size (replay lookup, account locks, commit function), so batches
amortise almost everything; the chain head stays locked from the commit call until the transaction commits.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import psycopg
from django.db import connection, transaction
from django.utils import timezone

from apps.core.errors import ApplicationError, ConflictError
from apps.ledger.domain import AccountState, EntrySpec, content_hash, entry_fields
from apps.ledger.errors import LedgerErrorCode


@dataclass
class Outcome:
    entry_id: int | None = None
    seq: int | None = None
    replayed: bool = False
    error: ApplicationError | None = None


@dataclass
class _Planned:
    index: int
    spec: EntrySpec
    request_hash: str
    postings: list[tuple[int, int | None, str, int, str, int]]  # account, tenant, asset, amount, phase, after


def _cursor() -> psycopg.Cursor:
    """A server-binding cursor on Django's connection: psycopg prepares statements it sees repeatedly, which
    spares the planner (RLS policies make planning these small queries cost more than running them)."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def lock_accounts(ids: set[int]) -> dict[int, AccountState]:
    with _cursor() as cursor:
        cursor.execute(
            "SELECT id, tenant_id, asset_id, floor_mode, credit_limit, balance, pending_debits, pending_credits "
            "FROM ledger_account WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE", [_array_literal(sorted(ids))],
            prepare=True)
        return {row[0]: AccountState(*row) for row in cursor.fetchall()}


def _existing(specs: list[EntrySpec]) -> dict[tuple[str, str], tuple[int, int, str]]:
    with _cursor() as cursor:
        # A join from the (small) request list lets the planner probe the unique index per pair.
        cursor.execute(
            "SELECT e.scope, e.client_id, e.id, e.seq, e.request_hash "
            "FROM unnest(%s::text[], %s::text[]) AS r(scope, client_id) "
            "JOIN ledger_entry e ON e.scope = r.scope AND e.client_id = r.client_id",
            [_array_literal([s.scope for s in specs]), _array_literal([s.client_id for s in specs])], prepare=True)
        return {(r[0], r[1]): (r[2], r[3], r[4]) for r in cursor.fetchall()}


def _apply_posting(account: AccountState, amount: int, phase: str) -> None:
    if phase == "posted":
        account.balance += amount
    elif phase == "pending":
        if amount < 0:
            account.pending_debits -= amount
        else:
            account.pending_credits += amount
    else:  # release of an earlier pending amount
        if amount > 0:
            account.pending_debits -= amount
        else:
            account.pending_credits += amount
        if account.pending_debits < 0 or account.pending_credits < 0:
            raise ApplicationError("Release exceeds the pending amount.", code=LedgerErrorCode.HOLD_AMOUNT_EXCEEDED)


def _check_shape(spec: EntrySpec, accounts: dict[int, AccountState]) -> None:
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for p in spec.postings:
        account = accounts[p.account_id]
        sums[(account.asset, p.phase)] += p.amount
        debit = p.amount < 0 and p.phase != "release"
        if debit and spec.scope != "system" and account.tenant_id != spec.tenant_id:
            raise ApplicationError(f"Account {p.account_id} is not yours to debit.",
                                   code=LedgerErrorCode.FOREIGN_ACCOUNT, status=404)
    unbalanced = {f"{asset}/{phase}": total for (asset, phase), total in sums.items() if total}
    if unbalanced:
        raise ApplicationError("Postings must sum to zero per asset.", code=LedgerErrorCode.UNBALANCED,
                               extra={"imbalance": unbalanced})


def _plan(index: int, spec: EntrySpec, request_hash: str, accounts: dict[int, AccountState]) -> _Planned:
    """Applies one entry to the in-memory account states, or raises leaving them untouched."""
    _check_shape(spec, accounts)
    touched = {p.account_id: AccountState(**vars(accounts[p.account_id])) for p in spec.postings}
    rows = []
    for p in spec.postings:
        account = touched[p.account_id]
        _apply_posting(account, p.amount, p.phase)
        rows.append((p.account_id, account.tenant_id, account.asset, p.amount, p.phase, account.balance))
    for account_id, after in touched.items():
        before, floor = accounts[account_id], after.floor()
        if floor is not None and after.available < floor and after.available < before.available:
            raise ApplicationError(
                f"Insufficient funds in account {account_id}: available {before.available}, "
                f"this entry needs {before.available - after.available}.",
                code=LedgerErrorCode.INSUFFICIENT_FUNDS,
                extra={"account": account_id, "available": before.available, "asset": after.asset})
    accounts.update(touched)
    return _Planned(index, spec, request_hash, rows)


def apply_entries(specs: list[EntrySpec], *, partial: bool, now: datetime | None = None) -> list[Outcome]:
    """With `partial`, a refused entry gets an error outcome and the rest proceed; otherwise the first refusal
    raises and the caller's transaction rolls back. Must run inside a transaction."""
    assert connection.in_atomic_block, "ledger writes run inside the caller's transaction"
    outcomes = [Outcome() for _ in specs]
    hashes = [s.request_hash() for s in specs]
    existing = _existing(specs)
    seen: dict[tuple[str, str], int] = {}
    fresh: list[int] = []
    for i, spec in enumerate(specs):
        key = (spec.scope, spec.client_id)
        found = existing.get(key)
        earlier = seen.get(key)
        if found is not None or earlier is not None:
            same = (found[2] if found else hashes[earlier]) == hashes[i]
            if not same:
                outcomes[i].error = ConflictError("This client id was used for a different entry.",
                                                  code=LedgerErrorCode.IDEMPOTENCY_CONFLICT)
                if not partial:
                    raise outcomes[i].error
            elif found is not None:
                outcomes[i] = Outcome(entry_id=found[0], seq=found[1], replayed=True)
            else:
                outcomes[i].replayed = True  # filled from the earlier twin after commit
            continue
        seen[key] = i
        fresh.append(i)
    accounts = lock_accounts({p.account_id for i in fresh for p in specs[i].postings})
    planned = _plan_all(fresh, specs, hashes, accounts, outcomes, partial)
    _commit(planned, accounts, now or timezone.now(), outcomes)
    for i, spec in enumerate(specs):
        twin = seen.get((spec.scope, spec.client_id))
        if outcomes[i].replayed and outcomes[i].entry_id is None and twin is not None:
            outcomes[i].entry_id, outcomes[i].seq = outcomes[twin].entry_id, outcomes[twin].seq
            outcomes[i].error = outcomes[twin].error
    return outcomes


def _plan_all(fresh: list[int], specs: list[EntrySpec], hashes: list[str], accounts: dict[int, AccountState],
              outcomes: list[Outcome], partial: bool) -> list[_Planned]:
    planned = []
    for i in fresh:
        spec = specs[i]
        missing = [p.account_id for p in spec.postings if p.account_id not in accounts]
        try:
            if missing:
                raise ApplicationError(f"Unknown account {missing[0]}.", code=LedgerErrorCode.UNKNOWN_ACCOUNT,
                                       status=404)
            planned.append(_plan(i, spec, hashes[i], accounts))
        except ApplicationError as exc:
            if not partial:
                raise
            outcomes[i].error = exc
    return planned


def _commit(planned: list[_Planned], accounts: dict[int, AccountState], now: datetime,
            outcomes: list[Outcome]) -> None:
    if not planned:
        return
    e_cols: list[list[object]] = [[] for _ in range(11)]
    p_cols: list[list[object]] = [[] for _ in range(7)]
    for k, plan in enumerate(planned, start=1):
        s = plan.spec
        fields = entry_fields(s, plan.request_hash)
        chash = content_hash(seqless=fields, postings=[(a, asset, amt, ph) for a, _, asset, amt, ph, _ in plan.postings],
                             created_at=now)
        for col, value in zip(e_cols, [s.tenant_id, s.scope, s.client_id, s.kind, s.actor, s.reverses_id, s.hold_id,
                                       json.dumps(s.metadata), plan.request_hash, chash, now]):
            col.append(value)
        for account, tenant, asset, amount, phase, after in plan.postings:
            for col, value in zip(p_cols, [k, tenant, account, asset, amount, phase, after]):
                col.append(value)
    touched = sorted({p[0] for plan in planned for p in plan.postings})
    a_cols = [touched, [accounts[a].balance for a in touched], [accounts[a].pending_debits for a in touched],
              [accounts[a].pending_credits for a in touched]]
    # Arrays travel as PostgreSQL array literals: adapting them element by element costs more than the
    # database's whole commit work.
    with _cursor() as cursor:
        cursor.execute(
            "SELECT entry_id, entry_seq FROM ledger_commit(%s::bigint[], %s::text[], %s::text[], %s::text[], "
            "%s::text[], %s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::timestamptz[], "
            "%s::int[], %s::bigint[], %s::bigint[], %s::text[], %s::bigint[], %s::text[], %s::bigint[], "
            "%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[])",
            [_array_literal(col) for col in (*e_cols, *p_cols, *a_cols)], prepare=True)
        for plan, (entry_id, seq) in zip(planned, cursor.fetchall()):
            outcomes[plan.index].entry_id, outcomes[plan.index].seq = entry_id, seq


def _element(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        value = value.isoformat()
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _array_literal(values: list[object]) -> str:
    return "{" + ",".join(map(_element, values)) + "}"


def in_transaction() -> bool:
    return transaction.get_connection().in_atomic_block
