from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.ledger import engine
from apps.ledger.domain import MAX_AMOUNT, EntrySpec, PostingSpec, validate_metadata
from apps.ledger.errors import LedgerErrorCode
from apps.ledger.models import Entry, EntryKind, Phase
from apps.ledger.services.accounts import system_account
from apps.ledger.services.group_commit import RecentCallers, committer
from apps.ledger.services.retry import with_retries
from apps.tenants import rls
from apps.tenants.models import Tenant

MAX_BATCH = 1000  # keeps one batch's locks and its commit call well under a second
# Group commit: "on", "off" or "auto" (the default: grouped only while GROUP_MIN_CALLERS or more threads of this
# process submitted within RECENT_S). With the chain sealed after commit, entries commit in parallel; on a quiet
# machine benchmarks/ledger.py measured grouping a gain at 16 clients (0.41-0.43 against 0.23-0.29 of the peer), a
# small loss at 4 and none at 1 (docs/ledger.md).
GROUP_COMMIT = os.environ.get("LEDGER_GROUP_COMMIT", "auto")
GROUP_MIN_CALLERS = int(os.environ.get("LEDGER_GROUP_COMMIT_MIN_CALLERS", "8"))


_callers = RecentCallers()


def _grouped() -> bool:
    active = _callers.arrive()
    return GROUP_COMMIT == "on" or (GROUP_COMMIT == "auto" and active >= GROUP_MIN_CALLERS)


@dataclass(frozen=True)
class EntryResult:
    entry_id: int
    seq: int | None  # the seal's: None for an entry just committed (the sealer chains it shortly after)
    replayed: bool


def scope_of(tenant: Tenant | None) -> str:
    return str(tenant.pk) if tenant is not None else "system"


def amounts_check(postings: Iterable[PostingSpec]) -> None:
    """The ledger's amount rule, for every caller that builds an entry's postings."""
    for p in postings:
        if type(p.amount) is not int or p.amount == 0 or abs(p.amount) > MAX_AMOUNT:
            raise ApplicationError(f"Amounts are non-zero integers in minor units, at most {MAX_AMOUNT:,} each way.",
                                   code=LedgerErrorCode.INVALID_AMOUNT)


def build_spec(*, tenant: Tenant | None, client_id: str, postings: list[tuple[int, int]] | list[PostingSpec],
               actor: Actor, kind: str = EntryKind.TRANSFER, metadata: dict[str, Any] | None = None,
               reverses_id: int | None = None, hold_id: int | None = None) -> EntrySpec:
    if not client_id or len(client_id) > 128:
        raise ApplicationError("client_id is 1 to 128 characters.", code=LedgerErrorCode.IDEMPOTENCY_CONFLICT,
                               extra={"fields": {"client_id": ["1 to 128 characters."]}})
    specs = tuple(p if isinstance(p, PostingSpec) else PostingSpec(int(p[0]), p[1]) for p in postings)
    if len(specs) < 2:
        raise ApplicationError("An entry needs at least two postings.", code=LedgerErrorCode.TOO_FEW_POSTINGS)
    amounts_check(specs)
    return EntrySpec(scope=scope_of(tenant), tenant_id=tenant.pk if tenant else None, client_id=client_id,
                     kind=kind, actor=actor.label, postings=specs, metadata=validate_metadata(metadata or {}),
                     reverses_id=reverses_id, hold_id=hold_id)


def _result(outcome: engine.Outcome) -> EntryResult:
    if outcome.error is not None:
        raise outcome.error
    assert outcome.entry_id is not None  # an outcome without error names its entry
    return EntryResult(entry_id=outcome.entry_id, seq=outcome.seq, replayed=outcome.replayed)


def entry_apply(spec: EntrySpec) -> EntryResult:
    """Inside the caller's transaction (a trade, a hold, a lab charge): composes with the caller's own writes.
    Do ledger work last in such a transaction: its accounts stay locked until it commits."""
    with rls.system_context(reason="counterparties and system accounts lie outside the caller's tenant"):
        return _result(engine.apply_entries([spec], partial=False)[0])


def entry_submit(spec: EntrySpec) -> EntryResult:
    """Entry point for a standalone entry, when not already inside a transaction: one statement that is its own
    transaction, or group-committed with concurrent callers while many are active (see GROUP_COMMIT)."""
    if engine.in_transaction():
        return entry_apply(spec)
    with rls.system_context(reason="a group commit carries many tenants' entries"):
        if _grouped():
            return _result(committer.submit(spec))
        return _result(with_retries(lambda: engine.apply_entries([spec], partial=True, standalone=True))[0])


def entry_create(*, actor: Actor, tenant: Tenant, client_id: str, postings: list[tuple[int, int]],
                 metadata: dict[str, Any] | None = None) -> EntryResult:
    """A tenant's multi-posting entry. It may debit only its own accounts; credits may go to any account."""
    spec = build_spec(tenant=tenant, client_id=client_id, postings=postings, actor=actor, metadata=metadata)
    return entry_submit(spec)


def transfer_create(*, actor: Actor, tenant: Tenant | None, client_id: str, debit_account_id: int,
                    credit_account_id: int, amount: int, fee: int = 0, fee_account_id: int | None = None,
                    metadata: dict[str, Any] | None = None, kind: str = EntryKind.TRANSFER) -> EntryResult:
    if type(amount) is not int or not 0 < amount <= MAX_AMOUNT or type(fee) is not int or not 0 <= fee <= MAX_AMOUNT:
        raise ApplicationError("Amount is a positive integer and fee a non-negative one, in minor units.",
                               code=LedgerErrorCode.INVALID_AMOUNT)
    postings = [(debit_account_id, -(amount + fee)), (credit_account_id, amount)]
    if fee:
        if fee_account_id is None:
            raise ValueError("a fee needs fee_account_id")  # a caller's bug, not a user's input
        postings.append((fee_account_id, fee))
    spec = build_spec(tenant=tenant, client_id=client_id, postings=postings, actor=actor, kind=kind,
                      metadata=metadata)
    return entry_submit(spec)


def transfers_create_batch(*, actor: Actor, tenant: Tenant | None,
                           transfers: list[dict[str, Any]]) -> list[EntryResult]:
    """Up to MAX_BATCH transfers in one transaction, all or nothing. Floors are checked transfer by transfer in
    order, exactly as if they had been sent one at a time."""
    if len(transfers) > MAX_BATCH:
        raise ApplicationError(f"At most {MAX_BATCH} transfers per batch.", code=LedgerErrorCode.BATCH_TOO_LARGE)
    specs = [build_spec(tenant=tenant, client_id=t["client_id"], actor=actor, metadata=t.get("metadata"),
                        postings=[(t["debit_account_id"], -t["amount"]), (t["credit_account_id"], t["amount"])])
             for t in transfers]

    def run() -> list[EntryResult]:
        with transaction.atomic(durable=True), \
                rls.system_context(reason="a batch's counterparties lie outside the caller's tenant"):
            return [_result(o) for o in engine.apply_entries(specs, partial=False)]

    return with_retries(run)


def issue_create(*, actor: Actor, tenant: Tenant, account_id: int, asset: str, amount: int, client_id: str,
                 source: str = "issuance", metadata: dict[str, Any] | None = None,
                 kind: str = EntryKind.ISSUE) -> EntryResult:
    """Credits a tenant's account from a system account (issuance, payment clearing, adjustments...)."""
    with rls.system_context(reason="issuance draws on a system account"):
        source_id = system_account(asset=asset, code=source).pk
    return transfer_create(actor=actor, tenant=None, client_id=f"{kind}:{tenant.pk}:{client_id}",
                           debit_account_id=source_id, credit_account_id=account_id, amount=amount,
                           metadata={**(metadata or {}), "tenant": tenant.pk}, kind=kind)


def entry_reverse(*, actor: Actor, tenant: Tenant | None, entry_id: int, client_id: str,
                  reason: str = "") -> EntryResult:
    """A correction: a new entry with every posted posting negated, pointing at the entry it reverses."""
    # An entry's postings include its counterparties' legs, invisible in the caller's tenant scope.
    with rls.system_context(reason="a reversal negates every leg, the counterparties' too"):
        original = Entry.objects.filter(pk=entry_id).prefetch_related("postings").first()
    if original is None or (tenant is not None and original.tenant_id != tenant.pk):
        raise ApplicationError("No such entry.", code=LedgerErrorCode.UNKNOWN_ACCOUNT, status=404)
    if original.kind in (EntryKind.HOLD, EntryKind.HOLD_VOID, EntryKind.REVERSAL):
        raise ApplicationError(f"A {original.kind} entry cannot be reversed.", code=LedgerErrorCode.NOT_REVERSIBLE)
    if Entry.objects.filter(reverses_id=entry_id).exists():
        raise ApplicationError("This entry was already reversed.", code=LedgerErrorCode.ALREADY_REVERSED,
                               status=409)
    postings = [PostingSpec(p.account_id, -p.amount) for p in original.postings.all() if p.phase == Phase.POSTED]
    spec = build_spec(tenant=tenant, client_id=client_id, postings=postings, actor=actor, kind=EntryKind.REVERSAL,
                      metadata={"reason": reason[:500]}, reverses_id=entry_id)
    try:
        return entry_submit(spec)
    except Exception as exc:
        if "ledger_entry_reversed_once" in str(exc):
            raise ApplicationError("This entry was already reversed.", code=LedgerErrorCode.ALREADY_REVERSED,
                                   status=409) from exc
        raise
