"""A market writer's batch: many callers' commands applied in arrival order in ONE market transaction.

The per-order path (runner.run_locked) pays a transaction, the market row lock, the engine checkout and a
ledger round per command. Here a batch of commands shares all of them: each command runs the very same `work`
function the per-order path runs, against one `Run`, so validation, funds checks before matching (counting what
earlier commands of the batch reserved and released), client-id replays and refusals are those of the per-order
path; `Run.finish` then writes every command, order, trade and fill with multi-row statements and sends the
ledger ONE batch holding every hold, settlement and release, in the order they happened.

A command refused before it touched the engine is answered with its refusal and the batch goes on. If the batch
itself fails (a ledger floor met because another writer spent the funds meanwhile, a client id a twin on another
market committed first, a deadlock), nothing of it committed: every command is then run alone on the per-order
path, which answers each exactly as before. Nothing is answered before its transaction has committed.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.ledger.services.hold_ids import system_hold_ids_allocate
from apps.ledger.services.retry import with_retries
from apps.marketplace.domain import to_ms
from apps.marketplace.models import MarketState, Order
from apps.marketplace.services import changes, markets, orders
from apps.marketplace.services.book import book_checkin, book_checkout
from apps.marketplace.services.execution import Run
from apps.marketplace.services.runner import abandon_run, check_state, market_or_404, run_locked, translated_error
from apps.tenants import rls
from apps.tenants.models import Tenant
from kernels.matching import Expire

logger = logging.getLogger(__name__)

SOLO = {"set_state", "expire"}  # operator commands: rare, run alone in their place in the queue
Reply = dict[str, Any]
_tenants: dict[int, Tenant] = {}  # only the pk is used (FKs and owner ids); rows are never re-keyed
stats = {"batches": 0, "fallbacks": 0}  # this process's counts, for the writer's log and the tests


@dataclass(frozen=True)
class Command:
    kind: str
    tenant_id: int | None
    actor: Actor
    args: dict[str, Any]
    reply: str = ""
    deadline_ms: int = 0

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Command:
        user_id, api_key_id, label = data["actor"]
        return cls(kind=data["kind"], tenant_id=data["tenant"], actor=Actor(user_id, api_key_id, label),
                   args=data["args"], reply=data.get("reply", ""), deadline_ms=data.get("deadline_ms", 0))

    def abandoned(self, now_ms: int) -> bool:
        return bool(self.deadline_ms) and now_ms > self.deadline_ms


def _tenant(tenant_id: int | None) -> Tenant | None:
    if tenant_id is None:
        return None
    if tenant_id not in _tenants:
        with rls.system_context(reason="a market writer acts for every tenant trading in its market"):
            _tenants[tenant_id] = Tenant.objects.get(pk=tenant_id)
    return _tenants[tenant_id]


def work_for(command: Command) -> tuple[tuple[str, ...], Callable[[Run], Any]]:
    """(the market states the command is allowed in, the per-order path's work for it)."""
    tenant, args = _tenant(command.tenant_id), command.args
    if command.kind == "place":
        assert tenant is not None  # only a trader places
        fields = orders.place_fields_from_json(args["fields"])
        return (MarketState.OPEN,), orders.place_work(actor=command.actor, tenant=tenant, fields=fields,
                                                      request_hash=args["request_hash"])
    if command.kind == "cancel_all":
        assert tenant is not None
        return changes.CANCELLABLE, changes.cancel_all_work(tenant=tenant)
    stub = Order(pk=args["order_id"], sequence=args["sequence"])  # loaded fresh under the lock by the work
    if command.kind == "cancel":
        return changes.CANCELLABLE, changes.cancel_work(actor=command.actor, tenant=tenant, order=stub)
    if command.kind == "amend":
        assert tenant is not None
        return (MarketState.OPEN,), changes.amend_work(tenant=tenant, order=stub, quantity=args["quantity"],
                                                       price=args["price"])
    raise ValueError(f"unknown market command {command.kind!r}")


def wire_result(kind: str, result: Any) -> Reply:
    """The committed result as the caller's side reads it back (ids; the caller loads the rows)."""
    if kind == "place":
        return {"ok": {"order": result.order.pk, "replayed": result.replayed}}
    if kind == "cancel_all":
        return {"ok": {"orders": [o.pk for o in result]}}
    if kind == "set_state":
        return {"ok": {"market": result.pk}}
    if kind == "expire":
        return {"ok": {"expired": result}}
    return {"ok": {"order": result.pk}}


def wire_error(exc: ApplicationError) -> Reply:
    return {"error": {"code": exc.code, "message": exc.message, "status": exc.status, "extra": exc.extra}}


def batch_execute(market_id: int, commands: list[Command]) -> list[Reply | None]:
    """Apply `commands` in order in one transaction; one reply per command (None: its caller gave up before
    the batch began, so it was not applied). Falls back to the per-order path if the batch cannot commit."""
    live = [c for c in commands if not c.abandoned(int(time.time() * 1000))]
    if not live:
        return [None] * len(commands)
    stats["batches"] += 1
    try:
        replies = iter(with_retries(lambda: _batch_attempt(market_id, live)))
    except Exception:
        if not connection.is_usable():
            raise  # the session is gone, and with it the writer's leadership: the writer starts over
        stats["fallbacks"] += 1  # nothing committed; each command alone reproduces the per-order path's answer
        logger.warning("market %s: batch of %s failed, running its commands one by one", market_id, len(live),
                       exc_info=True)
        replies = iter([solo_execute(market_id, c) for c in live])
    applied = {id(c) for c in live}  # by identity: `in live` compared whole commands, quadratic in the batch
    return [next(replies) if id(c) in applied else None for c in commands]


def _batch_attempt(market_id: int, commands: list[Command]) -> list[Reply]:
    with transaction.atomic(durable=True), \
            rls.system_context(reason="matching crosses tenants: both sides of each trade settle at once"):
        market = market_or_404(market_id, lock=True)
        book = book_checkout(market)
        run = Run(market=market, book=book, actor=commands[0].actor, now=timezone.now())
        run.committed = _client_ids(commands)
        run.prefetch_funds({c.tenant_id for c in commands if c.tenant_id is not None})
        run.settlement.hold_ids = system_hold_ids_allocate(sum(c.kind == "place" for c in commands))
        try:
            now_ms = max(to_ms(run.now), market.engine_now)
            if book.expiry_due(now_ms):
                run.apply(Expire(now=now_ms), tenant_id=None)
            outcomes = [_one(run, c) for c in commands]
            run.finish()
        except BaseException:
            abandon_run(run)
            raise
        book_checkin(market.pk, book)
    # pks exist only now that finish() has inserted the rows
    return [o if isinstance(o, dict) else wire_result(c.kind, o) for c, o in zip(commands, outcomes, strict=True)]


def _client_ids(commands: list[Command]) -> dict[tuple[int, str], tuple[int, str]]:
    """Committed twins of the batch's placements: the caller probed before queuing, but a twin may have
    committed since (a retry racing its original)."""
    keys = {(c.tenant_id, c.args["fields"]["client_id"]) for c in commands
            if c.kind == "place" and c.tenant_id is not None}
    return orders.committed_client_ids(keys)


def _one(run: Run, command: Command) -> Any:
    """The command's result, or its refusal as a reply. A refusal after the engine changed cannot be undone
    inside the batch, so it fails the batch (the per-order fallback then answers every command)."""
    mark = len(run.commands)
    run.actor = run.settlement.actor = command.actor
    try:
        allowed, work = work_for(command)
        check_state(run.market, allowed)
        return work(run)
    except ApplicationError as exc:
        if len(run.commands) != mark:
            raise
        return wire_error(translated_error(exc))


def solo_execute(market_id: int, command: Command) -> Reply:
    """One command in its own transaction: the per-order path."""
    try:
        if command.kind == "set_state":
            result: Any = markets.market_set_state_direct(actor=command.actor, market_id=market_id,
                                                          state=command.args["state"],
                                                          reason=command.args.get("reason", ""))
        elif command.kind == "expire":
            result = markets.market_expire_direct(market_id=market_id)
        else:
            result = _solo_work(market_id, command)
    except ApplicationError as exc:
        return wire_error(exc)
    except Exception:
        logger.exception("market %s: command %s failed", market_id, command.kind)
        return wire_error(ApplicationError("The market could not apply the command.", code="server_error",
                                           status=500))
    return wire_result(command.kind, result)


def _solo_work(market_id: int, command: Command) -> Any:
    allowed, work = work_for(command)

    def probed(run: Run) -> Any:
        run.committed = _client_ids([command])
        return work(run)

    try:
        return run_locked(market_id=market_id, actor=command.actor, allowed=allowed, work=probed)
    except IntegrityError as exc:
        if command.kind != "place":
            raise
        tenant = _tenant(command.tenant_id)
        assert tenant is not None
        return orders.replay_after_conflict(exc, tenant, command.args["fields"]["client_id"],
                                            command.args["request_hash"])
