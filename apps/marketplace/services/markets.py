"""Markets: listing a pair, halting, resuming and closing it, the GTD expiry sweep, and the replay check."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.ledger.models import Asset
from apps.marketplace.domain import command_from_json, valid_terms
from apps.marketplace.errors import MarketErrorCode
from apps.marketplace.models import Market, MarketCommand, MarketState, Order, OrderStatus, TimeInForce, Trade
from apps.marketplace.services import sequencer_client
from apps.marketplace.services.execution import Run
from apps.marketplace.services.runner import run_locked
from apps.ops.services import audit_record, snapshot
from apps.tenants import rls
from kernels.matching import CancelAll, Engine
from kernels.matching import Trade as TradeEvent

CONFIG = ["symbol", "base_asset_id", "quote_asset_id", "tick_size", "lot_size", "min_lots", "max_lots",
          "max_price_ticks", "maker_fee_bps", "taker_fee_bps", "state"]
TRANSITIONS: dict[str, set[str]] = {MarketState.OPEN: {MarketState.HALTED, MarketState.CLOSED},
               MarketState.HALTED: {MarketState.OPEN, MarketState.CLOSED},
               MarketState.CLOSED: {MarketState.OPEN}}


@transaction.atomic
def market_create(*, actor: Actor, base: str, quote: str, tick_size: int, lot_size: int, min_lots: int = 1,
                  max_lots: int = 1_000_000, maker_fee_bps: int = 10, taker_fee_bps: int = 20,
                  max_price_ticks: int = 1_000_000_000, symbol: str = "") -> Market:
    """List a pair. One lot at one tick must be a whole number of quote minor units (see domain.Terms)."""
    base_asset = Asset.objects.filter(code=base).first()
    if base_asset is None or not Asset.objects.filter(code=quote).exists():
        raise ApplicationError("Unknown asset.", code=MarketErrorCode.INVALID_MARKET_CONFIG)
    if not valid_terms(tick_size, lot_size, base_asset.scale):
        raise ApplicationError(f"tick_size x lot_size must be a positive multiple of 10^{base_asset.scale}.",
                               code=MarketErrorCode.INVALID_MARKET_CONFIG)
    market = Market(symbol=symbol or f"{base}/{quote}", base_asset_id=base, quote_asset_id=quote,
                    tick_size=tick_size, lot_size=lot_size, min_lots=min_lots, max_lots=max_lots,
                    maker_fee_bps=maker_fee_bps, taker_fee_bps=taker_fee_bps, max_price_ticks=max_price_ticks)
    market.full_clean()
    market.save()
    audit_record(actor=actor, action="marketplace.market_create", obj=market, after=snapshot(market, CONFIG))
    return market


EDITABLE = ("min_lots", "max_lots", "max_price_ticks", "maker_fee_bps", "taker_fee_bps")


@transaction.atomic  # not durable: the admin's change form already runs inside a transaction
def market_update_config(*, actor: Actor, market_id: int, **changes: int) -> Market:
    """Change the limits or fees of a market; they apply to orders placed afterwards (each order keeps the fee
    rates it was reserved with). Only these columns are written, under the row lock, so the engine's head
    columns are never overwritten by a stale copy. Audited."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ApplicationError(f"Not editable: {', '.join(sorted(unknown))}.",
                               code=MarketErrorCode.INVALID_MARKET_CONFIG)
    market = Market.objects.select_for_update().get(pk=market_id)
    before = snapshot(market, list(changes))
    for name, value in changes.items():
        setattr(market, name, value)
    market.full_clean()
    market.save(update_fields=[*changes, "updated_at"])
    audit_record(actor=actor, action="marketplace.market_config", obj=market, before=before,
                 after=snapshot(market, list(changes)))
    return market


def market_set_state(*, actor: Actor, market_id: int, state: str, reason: str = "") -> Market:
    """Halt (cancels only), resume, or close a market. Closing cancels every resting order and releases its
    hold in the same transaction. Audited. With a running writer it is queued behind the commands before it."""
    if state not in MarketState.values:
        raise ApplicationError("Unknown state.", code=MarketErrorCode.INVALID_STATE_TRANSITION)
    if sequencer_client.leader_alive(market_id):
        sequencer_client.submit(market_id, sequencer_client.request("set_state", actor=actor, tenant_id=None,
                                                                    state=state, reason=reason))
        return Market.objects.get(pk=market_id)
    return market_set_state_direct(actor=actor, market_id=market_id, state=state, reason=reason)


def market_set_state_direct(*, actor: Actor, market_id: int, state: str, reason: str = "") -> Market:

    def work(run: Run) -> Market:
        market = run.market
        if state not in TRANSITIONS[market.state]:
            raise ApplicationError(f"A {market.state} market cannot become {state}.", status=409,
                                   code=MarketErrorCode.INVALID_STATE_TRANSITION)
        before = snapshot(market, ["state"])
        if state == MarketState.CLOSED:
            owners = Order.objects.filter(market=market, status=OrderStatus.OPEN) \
                .values_list("tenant_id", flat=True).distinct().order_by("tenant_id")
            for owner in list(owners):
                run.apply(CancelAll(owner=owner), tenant_id=owner)
        market.state = state
        Market.objects.filter(pk=market.pk).update(state=state)
        audit_record(actor=actor, action=f"marketplace.market_{state}", obj=market, before=before,
                     after={"state": state, "reason": reason[:500]})
        return market

    return run_locked(market_id=market_id, actor=actor, allowed=MarketState.values, work=work)


def market_expire(*, market_id: int) -> int:
    """Expire the market's GTD orders that are due; returns how many. Idempotent (an Expire finds nothing the
    second time). Runs on a schedule so expiries happen even when nobody trades."""
    if sequencer_client.leader_alive(market_id):
        done = sequencer_client.submit(market_id, sequencer_client.request(
            "expire", actor=Actor.system("markets_expire"), tenant_id=None))
        return int(done["expired"])
    return market_expire_direct(market_id=market_id)


def market_expire_direct(*, market_id: int) -> int:

    def work(run: Run) -> int:
        # run_locked has already swept whatever was due before calling this
        return sum(1 for o in run.orders.values() if o.status == OrderStatus.EXPIRED)

    return run_locked(market_id=market_id, actor=Actor.system("markets_expire"), allowed=MarketState.values,
                      work=work)


def markets_expire_due() -> int:
    """Sweep every market that has a GTD order past its expiry."""
    with rls.system_context(reason="the expiry sweep covers every tenant's orders"):
        due = list(Order.objects.filter(status=OrderStatus.OPEN, time_in_force=TimeInForce.GTD,
                                        expires_at__lte=timezone.now())
                   .values_list("market_id", flat=True).distinct().order_by("market_id"))
    return sum(market_expire(market_id=m) for m in due)


@dataclass
class ReplayReport:
    commands: int = 0
    trades: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def market_replay(*, market_id: int) -> ReplayReport:
    """Replay the whole command log through a fresh engine and compare every trade and the final book with
    what PostgreSQL holds. Read-only."""
    report = ReplayReport()
    engine = Engine()
    produced: list[tuple[int, int, int, int, int]] = []
    with rls.system_context(reason="a market's command log spans every tenant trading in it"):
        for payload in MarketCommand.objects.filter(market_id=market_id).order_by("seq").values_list("payload",
                                                                                                      flat=True):
            report.commands += 1
            for e in engine.apply(command_from_json(payload)):
                if isinstance(e, TradeEvent):
                    produced.append((e.sequence, e.maker_order, e.taker_order, e.price, e.qty))
        stored = list(Trade.objects.filter(market_id=market_id).order_by("sequence").values_list(
            "sequence", "maker_order__sequence", "taker_order__sequence", "price_ticks", "qty_lots"))
        resting = sorted(Order.objects.filter(market_id=market_id, status=OrderStatus.OPEN)
                         .values_list("sequence", "open_lots", "price_ticks"))
    report.trades = len(stored)
    if produced != stored:
        first = next((i for i, (a, b) in enumerate(zip(produced, stored, strict=False)) if a != b),
                     min(len(produced), len(stored)))
        report.problems.append(f"trade lists differ from position {first} ({len(produced)} replayed, "
                               f"{len(stored)} stored)")
    if sorted((r.order_id, r.qty, r.price) for r in engine.snapshot()) != resting:
        report.problems.append("the replayed book differs from the resting orders")
    return report

