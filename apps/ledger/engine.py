"""Applies a batch of entries in one `ledger_apply` call (migrations 0007, 0008): replay detection, account locks in
id order, the sequential floor checks and the writes all run in the database. A lone entry of posted postings (a
transfer) takes `ledger_transfer` instead: the same locks and floor rule in five small statements, a third of
`ledger_apply`'s time for one entry. Neither touches the hash chain: the sealer chains entries after they commit.

Python checks what needs no lock (shape, foreign debits, unknown accounts, from an id -> (tenant, asset) cache that
the database confirms) and computes the hashes. Cost: one round trip per batch whatever its size, as a prepared
statement; both functions plan their statements once per session (migration 0009). Standalone batches run as their
own statement-level transaction.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from apps.core.db import prepared_cursor as _cursor
from apps.core.errors import ApplicationError, ConflictError
from apps.ledger.amounts import amount_text
from apps.ledger.domain import EntrySpec, entry_content_hash, metadata_text, timestamp_text
from apps.ledger.errors import LedgerErrorCode


@dataclass
class Outcome:
    entry_id: int | None = None
    seq: int | None = None  # the seal's, known only for a replay of an entry already sealed
    replayed: bool = False
    error: ApplicationError | None = None


_ACCOUNTS: dict[int, tuple[int | None, str]] = {}  # id -> (tenant, asset): neither ever changes for an account id
PREFETCH = 20_000  # accounts read ahead per miss (about 2 MB of cache per 20k accounts)
MAX_CACHED = 500_000  # past this the cache starts over, bounding a long-lived worker's memory
STATUS_ERRORS = {"release_exceeded": ("Release exceeds the pending amount.", LedgerErrorCode.HOLD_AMOUNT_EXCEEDED)}


def account_info(ids: set[int], *, fresh: bool = False) -> dict[int, tuple[int | None, str]]:
    """(tenant, asset) of each existing account among `ids`; ids missing from the answer do not exist. A miss also
    reads ahead the accounts opened after the newest one known (PREFETCH at a time), so a caller touching many
    accounts pays one lookup for all of them instead of one per new account on top of its commit."""
    if fresh:
        for account_id in ids:
            _ACCOUNTS.pop(account_id, None)
    missing = [a for a in ids if a not in _ACCOUNTS]
    if missing:
        if len(_ACCOUNTS) > MAX_CACHED:
            _ACCOUNTS.clear()
        newest = max(_ACCOUNTS, default=0)
        with _cursor() as cursor:
            cursor.execute("(SELECT id, tenant_id, asset_id FROM ledger_account WHERE id = ANY(%s::bigint[])) UNION "
                           "(SELECT id, tenant_id, asset_id FROM ledger_account WHERE id > %s ORDER BY id LIMIT %s)",
                           [_array_literal(sorted(missing)), newest, PREFETCH], prepare=True)
            for account_id, tenant_id, asset in cursor.fetchall():
                _ACCOUNTS[account_id] = (tenant_id, asset)
    return {a: _ACCOUNTS[a] for a in ids if a in _ACCOUNTS}


def accounts_forget() -> None:
    """For tests and benchmarks that truncate the accounts table and reuse its ids."""
    _ACCOUNTS.clear()


def _check_shape(spec: EntrySpec, info: dict[int, tuple[int | None, str]]) -> None:
    missing = [p.account_id for p in spec.postings if p.account_id not in info]
    if missing:
        raise ApplicationError(f"Unknown account {missing[0]}.", code=LedgerErrorCode.UNKNOWN_ACCOUNT, status=404)
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for p in spec.postings:
        tenant_id, asset = info[p.account_id]
        sums[(asset, p.phase)] += p.amount
        debit = p.amount < 0 and p.phase != "release"
        if debit and spec.scope != "system" and tenant_id != spec.tenant_id:
            raise ApplicationError(f"Account {p.account_id} is not yours to debit.",
                                   code=LedgerErrorCode.FOREIGN_ACCOUNT, status=404)
    unbalanced = {f"{asset}/{phase}": total for (asset, phase), total in sums.items() if total}
    if unbalanced:
        raise ApplicationError("Postings must sum to zero per asset.", code=LedgerErrorCode.UNBALANCED,
                               extra={"imbalance": unbalanced})


def _refusal(status: str, spec: EntrySpec, account: int | None, available: int | None,
             info: dict[int, tuple[int | None, str]]) -> ApplicationError:
    if status == "conflict":
        return ConflictError("This client id was used for a different entry.",
                             code=LedgerErrorCode.IDEMPOTENCY_CONFLICT)
    if status == "insufficient":
        assert account is not None  # the engine names the account it refused
        # what the entry takes from the account's available balance (balance - pending debits)
        needed = -sum(p.amount for p in spec.postings if p.account_id == account and (
            p.phase == "posted" or (p.phase == "pending" and p.amount < 0) or (p.phase == "release" and p.amount > 0)))
        return ApplicationError(
            f"Insufficient funds in account {account}: {amount_text(available or 0, info[account][1])} available, "
            f"this entry needs {amount_text(needed, info[account][1])}.",
            code=LedgerErrorCode.INSUFFICIENT_FUNDS,
            extra={"account": account, "available": available, "needed": needed, "asset": info[account][1]})
    message, code = STATUS_ERRORS[status]
    return ApplicationError(message, code=code)


def apply_entries(specs: list[EntrySpec], *, partial: bool, now: datetime | None = None,
                  standalone: bool = False) -> list[Outcome]:
    """With `partial`, a refused entry gets an error outcome and the rest proceed; otherwise the first refusal
    raises and nothing is written. Runs inside the caller's transaction, or with `standalone` outside any, as one
    statement that is its own transaction."""
    if standalone:
        assert not connection.in_atomic_block, "a standalone batch is its own transaction"
    else:
        assert connection.in_atomic_block, "ledger writes run inside the caller's transaction"
    outcomes = [Outcome() for _ in specs]
    hashes = [s.request_hash() for s in specs]
    seen: dict[tuple[str, str], int] = {}
    fresh: list[int] = []
    for i, spec in enumerate(specs):
        key = (spec.scope, spec.client_id)
        earlier = seen.get(key)
        if earlier is not None:
            if hashes[earlier] != hashes[i]:
                error = ConflictError("This client id was used for a different entry.",
                                      code=LedgerErrorCode.IDEMPOTENCY_CONFLICT)
                outcomes[i].error = error
                if not partial:
                    raise error
            else:
                outcomes[i].replayed = True  # filled from the earlier twin after the call
            continue
        seen[key] = i
        fresh.append(i)
    _apply_fresh(specs, fresh, hashes, outcomes, partial, now or timezone.now())
    for i, spec in enumerate(specs):
        twin = seen.get((spec.scope, spec.client_id))
        if twin != i and outcomes[i].replayed and twin is not None:
            outcomes[i].entry_id, outcomes[i].seq = outcomes[twin].entry_id, outcomes[twin].seq
            outcomes[i].error = outcomes[twin].error
    return outcomes


def _apply_fresh(specs: list[EntrySpec], fresh: list[int], hashes: list[str], outcomes: list[Outcome],
                 partial: bool, now: datetime, *, retried: bool = False) -> None:
    ids = {p.account_id for i in fresh for p in specs[i].postings}
    info = account_info(ids, fresh=retried)
    sent: list[int] = []
    for i in fresh:
        try:
            _check_shape(specs[i], info)
        except ApplicationError as exc:
            if not partial:
                raise
            outcomes[i].error = exc
            continue
        sent.append(i)
    if not sent:
        return
    lone = len(sent) == 1 and _is_transfer(specs[sent[0]])
    rows = _call_transfer(specs[sent[0]], hashes[sent[0]], info, now) if lone else \
        _call(specs, sent, hashes, info, partial, now)
    if rows and rows[0][1] == "stale":  # an id reused after a truncation: ask the database again, once
        if retried:
            raise RuntimeError("ledger_apply disagrees with the accounts it was just given")
        return _apply_fresh(specs, fresh, hashes, outcomes, partial, now, retried=True)
    for (k, status, entry_id, seq, account, available) in rows:
        i = sent[k - 1]
        if status in ("ok", "replayed"):
            outcomes[i] = Outcome(entry_id=entry_id, seq=seq, replayed=status == "replayed")
        elif status is not None:
            outcomes[i].error = _refusal(status, specs[i], account, available, info)
            if not partial:
                raise outcomes[i].error


def _is_transfer(spec: EntrySpec) -> bool:
    return spec.hold_id is None and all(p.phase == "posted" for p in spec.postings)


def _legs(spec: EntrySpec, info: dict[int, tuple[int | None, str]]) -> list[tuple[int, str, int, str]]:
    """The entry's postings as its content hash lists them: (account, asset, amount, phase)."""
    return [(p.account_id, info[p.account_id][1], p.amount, p.phase) for p in spec.postings]


def _call_transfer(spec: EntrySpec, request_hash: str, info: dict[int, tuple[int | None, str]],
                   now: datetime) -> list[tuple]:
    """`ledger_transfer` for one posted-only entry; answers rows shaped like `ledger_apply`'s."""
    postings = _legs(spec, info)
    chash = entry_content_hash(spec, request_hash, postings, timestamp_text(now))
    with _cursor() as cursor:
        cursor.execute(
            "SELECT * FROM ledger_transfer(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::timestamptz, %s::bigint[], "
            "%s::bigint[], %s::bigint[], %s::text[])",
            [spec.tenant_id, spec.scope, spec.client_id, spec.kind, spec.actor, spec.reverses_id,
             metadata_text(spec.metadata), request_hash, chash, now,
             _int_array([p[0] for p in postings]), _int_array([p[2] for p in postings]),
             _array_literal([info[p[0]][0] for p in postings]), _array_literal([p[1] for p in postings])],
            prepare=True)
        return [(1, *row) for row in cursor.fetchall()]


def _call(specs: list[EntrySpec], sent: list[int], hashes: list[str], info: dict[int, tuple[int | None, str]],
          partial: bool, now: datetime) -> list[tuple]:
    accounts = sorted({p.account_id for i in sent for p in specs[i].postings})
    slot = {a: k for k, a in enumerate(accounts, start=1)}
    e_cols: list[list[object]] = [[] for _ in range(12)]
    p_slot: list[int] = []
    p_amount: list[int] = []
    p_phase: list[str] = []
    created = timestamp_text(now)
    for i in sent:
        s = specs[i]
        chash = entry_content_hash(s, hashes[i], _legs(s, info), created)
        values = [s.tenant_id, s.scope, s.client_id, s.kind, s.actor, s.reverses_id, s.hold_id,
                  metadata_text(s.metadata), hashes[i], chash, len(p_slot) + 1, len(s.postings)]
        for col, value in zip(e_cols, values, strict=True):
            col.append(value)
        for p in s.postings:
            p_slot.append(slot[p.account_id])
            p_amount.append(p.amount)
            p_phase.append(p.phase)
    # Arrays travel as PostgreSQL array literals: adapting them element by element costs more than the
    # database's whole work on them.
    arrays = [_array_literal(col) for col in e_cols[:10]]
    tail = [_int_array(e_cols[10]), _int_array(e_cols[11]), _int_array(p_slot), _int_array(p_amount),
            _array_literal(p_phase), _int_array(accounts), _array_literal([info[a][0] for a in accounts]),
            _array_literal([info[a][1] for a in accounts])]
    with _cursor() as cursor:
        cursor.execute(
            "SELECT * FROM ledger_apply(%s, %s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], "
            "%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::timestamptz, %s::int[], %s::int[], "
            "%s::int[], %s::bigint[], %s::text[], %s::bigint[], %s::bigint[], %s::text[])",
            [partial, *arrays, now, *tail], prepare=True)
        return cursor.fetchall()


def _element(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        value = value.isoformat()
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _array_literal(values: Sequence[object]) -> str:
    return "{" + ",".join(map(_element, values)) + "}"


def _int_array(values: Sequence[object]) -> str:
    """For columns that are never NULL and always int: one C-level join instead of a call per element."""
    return "{" + ",".join(map(str, values)) + "}"


def in_transaction() -> bool:
    return transaction.get_connection().in_atomic_block
