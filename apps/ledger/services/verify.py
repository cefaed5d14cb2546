"""The proof of equilibrium: recompute the hash chain from the stored rows, check every account's balances
against its postings, and check that each asset sums to zero across all accounts.

The chain is the seal rows (seq gap-free from 1, each hash = sha256(prev_hash || its entry's content hash), each
prev_hash the hash before it, the head at the last seal). An entry not sealed yet still has its content checked;
it is a fault when older than the sealer's bound, or when it lies below the sealer's frontier, where the sealer
has sealed every committed entry: a row there without a seal was inserted behind the sealer's back."""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction

from apps.ledger.domain import chain_hash, content_hash
from apps.ledger.migrations_support import GENESIS
from apps.ledger.services.sealer import seal_bound_s
from apps.tenants import rls

CHUNK = 2000  # entries per server-side fetch: bounded memory whatever the ledger's size


@dataclass
class VerifyReport:
    entries: int = 0
    accounts: int = 0
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)
    first_broken_seq: int | None = None
    asset_totals: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, message: str, seq: int | None = None) -> None:
        if seq is not None and self.first_broken_seq is None:
            self.first_broken_seq = seq
        self.problems.append(message)


def _entries() -> Iterator[tuple]:
    """Sealed entries in seq order, then the unsealed ones in id order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.id, s.seq, e.tenant_id, e.scope, e.client_id, e.kind, e.actor, e.reverses_id, e.hold_id, "
            "e.metadata, e.request_hash, e.content_hash, s.prev_hash, s.hash, e.created_at, e.txid, "
            "coalesce((SELECT array_agg(ARRAY[p.account_id::text, p.asset_id, p.amount::text, p.phase] ORDER BY p.id) "
            "FROM ledger_posting p WHERE p.entry_id = e.id), '{}') "
            "FROM ledger_entry e LEFT JOIN ledger_seal s ON s.entry_id = e.id "
            "ORDER BY s.seq NULLS LAST, e.id")
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


def _orphan_seals(report: VerifyReport) -> None:
    # A seal's entry cannot vanish while the foreign key holds; a tamperer who drops it leaves a seq that names
    # no entry, which the walk over entries would only see as a gap.
    with connection.cursor() as cursor:
        cursor.execute("SELECT s.seq FROM ledger_seal s LEFT JOIN ledger_entry e ON e.id = s.entry_id "
                       "WHERE e.id IS NULL ORDER BY s.seq")
        for (seq,) in cursor.fetchall():
            report.fail(f"seal seq {seq} names an entry that does not exist", seq)


def _check_content(report: VerifyReport, row: tuple, label: str) -> list[tuple[int, str, int, str]]:
    (_id, _seq, tenant, scope, client_id, kind, actor, reverses, hold, metadata, request_hash, stored_content,
     _prev, _hash, created_at, _txid, postings) = row
    if isinstance(metadata, str):  # Django's psycopg setup hands raw jsonb back as text
        metadata = json.loads(metadata)
    fields = {"tenant": tenant, "scope": scope, "client_id": client_id, "kind": kind, "actor": actor,
              "reverses": reverses, "hold": hold, "metadata": metadata, "request_hash": request_hash}
    rows = [(int(a), asset, int(amount), phase) for a, asset, amount, phase in postings]
    if content_hash(seqless=fields, postings=rows, created_at=created_at) != stored_content:
        report.fail(f"{label}: content does not match its hash (edited or missing postings)", _seq)
    _check_zero_sum(report, label, _seq, rows)
    return rows


def _check_chain(report: VerifyReport) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, head_hash, frontier, clock_timestamp() FROM ledger_chainhead WHERE id = 1")
        head_seq, head_hash, frontier, now = cursor.fetchone()
    prev, expected_seq = GENESIS, 1
    for row in _entries():
        entry_id, seq, prev_hash, stored_hash = row[0], row[1], row[12], row[13]
        report.entries += 1
        if seq is None:
            _check_unsealed(report, row, now, frontier)
            continue
        label = f"entry seq {seq} (id {entry_id})"
        if seq != expected_seq:
            report.fail(f"entry seq {expected_seq} is missing (next present is {seq})", expected_seq)
            expected_seq = seq
        _check_content(report, row, label)
        if prev_hash != prev:
            report.fail(f"{label}: broken chain link (prev_hash differs)", seq)
        if chain_hash(prev_hash, row[11]) != stored_hash:
            report.fail(f"{label}: stored hash is not sha256(prev || content)", seq)
        prev, expected_seq = stored_hash, seq + 1
    if (head_seq, head_hash) != (expected_seq - 1, prev):
        report.fail(f"chain head says seq {head_seq} but the seals end at {expected_seq - 1} "
                    "(seals deleted from the end, or the head edited)", expected_seq)
    _orphan_seals(report)


def _check_unsealed(report: VerifyReport, row: tuple, now: datetime, frontier: int) -> None:
    entry_id, created_at, txid = row[0], row[14], row[15]
    label = f"unsealed entry id {entry_id}"
    report.unsealed += 1
    _check_content(report, row, label)
    if txid < frontier:
        report.fail(f"{label} lies below the sealer's frontier: inserted behind the sealer's back")
    elif now - created_at > timedelta(seconds=seal_bound_s()):
        report.fail(f"{label} is older than the sealing bound ({seal_bound_s():g} s): is the sealer running?")


def _check_zero_sum(report: VerifyReport, label: str, seq: int | None,
                    rows: list[tuple[int, str, int, str]]) -> None:
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for _account, asset, amount, phase in rows:
        sums[(asset, phase)] += amount
    if len(rows) < 2 or any(sums.values()):
        report.fail(f"{label}: postings do not sum to zero per asset", seq)


BALANCES_SQL = """
SELECT a.id, a.asset_id, a.balance, a.pending_debits, a.pending_credits,
  coalesce(sum(p.amount) FILTER (WHERE p.phase = 'posted'), 0),
  coalesce(sum(-p.amount) FILTER (WHERE p.phase = 'pending' AND p.amount < 0), 0)
    - coalesce(sum(p.amount) FILTER (WHERE p.phase = 'release' AND p.amount > 0), 0),
  coalesce(sum(p.amount) FILTER (WHERE p.phase = 'pending' AND p.amount > 0), 0)
    - coalesce(sum(-p.amount) FILTER (WHERE p.phase = 'release' AND p.amount < 0), 0)
FROM ledger_account a LEFT JOIN ledger_posting p ON p.account_id = a.id
GROUP BY a.id ORDER BY a.id
"""


def _check_balances(report: VerifyReport) -> None:
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"balance": 0, "pending_debits": 0, "pending_credits": 0})
    with connection.cursor() as cursor:
        cursor.execute(BALANCES_SQL)
        for account, asset, balance, pdeb, pcred, want_balance, want_pdeb, want_pcred in cursor.fetchall():
            report.accounts += 1
            if (balance, pdeb, pcred) != (want_balance, want_pdeb, want_pcred):
                report.fail(f"account {account}: stored balance/pending ({balance}/{pdeb}/{pcred}) differ from "
                            f"its postings ({want_balance}/{want_pdeb}/{want_pcred})")
            t = totals[asset]
            t["balance"] += balance
            t["pending_debits"] += pdeb
            t["pending_credits"] += pcred
    for asset, t in sorted(totals.items()):
        if t["balance"] != 0 or t["pending_debits"] != t["pending_credits"]:
            report.fail(f"asset {asset} is not conserved: balances sum to {t['balance']}, "
                        f"pending debits {t['pending_debits']} vs credits {t['pending_credits']}")
    report.asset_totals = dict(totals)


def ledger_verify() -> VerifyReport:
    """Read-only; runs in one REPEATABLE READ snapshot so concurrent writers cannot make it see half an entry."""
    report = VerifyReport()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        with rls.system_context(reason="verification checks the whole chain"):
            _check_chain(report)
            _check_balances(report)
    return report
