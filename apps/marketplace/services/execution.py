"""One market transaction: commands applied to the engine, their events turned into rows and ledger entries.

A `Run` lives inside the transaction that holds the market's row lock. Each command is applied to the engine,
logged with the next command seq, and its events are folded into orders, trades and fills; `finish` writes all
of it and hands the ledger one batch. If anything raises, the transaction rolls back and the book (checked out
of the cache) is simply dropped.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.ledger.models import Account
from apps.marketplace.domain import Terms, command_to_json, fee, limit_reserve, to_ms
from apps.marketplace.errors import MarketErrorCode
from apps.marketplace.models import FillRole, Market, Order, OrderStatus, OrderType, Side
from apps.marketplace.services.book import Book
from apps.marketplace.services.rows import CommandRow, FillRow, TradeRow, commands_copy, fills_copy, rows_copy
from apps.marketplace.services.settlement import Settlement
from apps.marketplace.services.settlement import account_id as settlement_account_id
from kernels import matching as core
from kernels.matching import Accepted, Amended, Cancelled, Command, Event, Expire, Expired, Rejected
from kernels.matching import Trade as TradeEvent

ORDER_COLUMNS = [("filled_lots", "bigint"), ("open_lots", "bigint"), ("qty_lots", "bigint"),
                 ("price_ticks", "bigint"), ("status", "text"), ("cancel_reason", "text"), ("priority", "bigint"),
                 ("updated_seq", "bigint"), ("filled_notional", "bigint"), ("fees_paid", "bigint"),
                 ("reserved", "bigint"), ("reserve_used", "bigint"), ("reserve_released", "bigint"),
                 ("hold_id", "bigint")]
# One statement for every order a run changed (bulk_update's CASE chains cost more to build than to run).
UPDATE_ORDERS_SQL = (
    "UPDATE marketplace_order AS o SET "
    + ", ".join(f"{name} = u.{name}" for name, _ in ORDER_COLUMNS)
    + ", updated_at = %s FROM unnest(%s::bigint[], "
    + ", ".join(f"%s::{kind}[]" for _, kind in ORDER_COLUMNS)
    + ") AS u(id, " + ", ".join(name for name, _ in ORDER_COLUMNS) + ") WHERE o.id = u.id"
)


def terms_of(market: Market) -> Terms:
    return Terms(base=market.base_asset_id, quote=market.quote_asset_id, tick_size=market.tick_size,
                 lot_size=market.lot_size, base_scale=market.base_asset.scale)


def required_reserve(terms: Terms, order: Order) -> int:
    """What the order's open lots may still spend; a market order never rests, so it keeps nothing back."""
    if order.open_lots == 0 or order.order_type == OrderType.MARKET:
        return 0
    assert order.price_ticks is not None  # every order but a market order has a price
    return limit_reserve(terms, order.side, order.price_ticks, order.open_lots,
                         max(order.fee_bps_maker, order.fee_bps_taker))


@dataclass
class Run:
    market: Market
    book: Book
    actor: Actor
    now: datetime
    terms: Terms = field(init=False)
    settlement: Settlement = field(init=False)
    orders: dict[int, Order] = field(default_factory=dict)
    created: list[Order] = field(default_factory=list)
    commands: list[CommandRow] = field(default_factory=list)
    fills: list[FillRow] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)
    opened_accounts: list[tuple[int | None, str, str]] = field(default_factory=list)
    # (tenant, client id) -> the order placed under it in this transaction (a batch may carry twins)
    placed: dict[tuple[int, str], Order] = field(default_factory=dict)
    # (tenant, client id) -> (order id, request hash) of committed orders, when the caller has not probed them
    committed: dict[tuple[int, str], tuple[int, str]] | None = None
    _funds: dict[int, int] = field(default_factory=dict)  # account id -> available when first read

    def __post_init__(self) -> None:
        self.terms = terms_of(self.market)
        self.settlement = Settlement(market=self.market, actor=self.actor)

    def apply(self, command: Command, *, tenant_id: int | None, draft: Order | None = None,
              reserve: int = 0) -> list[Event]:
        """Apply one command. `draft` is the unsaved Order a NewOrder's Accepted event turns into; `reserve` is
        what the accepted (or amended) order must add to its hold before any of its fills settle."""
        events = self.book.engine.apply(command)
        if events and isinstance(events[0], Rejected):
            return events
        self.market.command_seq += 1
        seq = self.market.command_seq
        payload = command_to_json(command)
        self.commands.append(CommandRow(seq=seq, kind=payload["type"], payload=payload, tenant_id=tenant_id,
                                        actor=self.actor.label[:200]))
        self._load(events)
        for event in events:
            self._record(event, seq, draft)
            if reserve and isinstance(event, (Accepted, Amended)):
                self.settlement.reserve(self.orders[event.order_id], reserve)
        if isinstance(command, Expire):
            self.market.engine_now = command.now
            self.book.drop_expiries(command.now)
        self.market.next_sequence = self.book.engine.next_sequence
        self._settle(events)
        return events

    def prefetch_funds(self, tenant_ids: set[int]) -> None:
        """Read the available amounts of these traders' main accounts in both assets in one query."""
        assets = (self.market.base_asset_id, self.market.quote_asset_id)
        rows = Account.objects.filter(tenant_id__in=tenant_ids, asset_id__in=assets, code="main") \
            .values_list("pk", "balance", "pending_debits")
        self._funds.update({pk: balance - pending for pk, balance, pending in rows})

    def available(self, tenant_id: int, asset: str) -> int:
        """The trader's available amount as the ledger will see it when this transaction's entries are applied
        in order: the committed balance (read once per transaction) plus what earlier commands moved."""
        try:
            account = settlement_account_id(tenant_id, asset)
        except LookupError:
            return 0
        if account not in self._funds:
            row = Account.objects.filter(pk=account).values_list("balance", "pending_debits").first()
            self._funds[account] = 0 if row is None else row[0] - row[1]
        return self._funds[account] + self.settlement.moved.get(account, 0)

    def order(self, sequence: int) -> Order:
        return self.orders[sequence]

    def _load(self, events: list[Event]) -> None:
        wanted: set[int] = set()
        for e in events:
            if isinstance(e, TradeEvent):
                wanted.update((e.maker_order, e.taker_order))
            elif isinstance(e, (Cancelled, Amended, Expired)):
                wanted.add(e.order_id)
        missing = wanted - self.orders.keys() - {e.order_id for e in events if isinstance(e, Accepted)}
        cached = self.book.rows  # iterate the few wanted, never the book's rows (a set op on keys would)
        for sequence in [s for s in missing if s in cached]:
            self.orders[sequence] = cached[sequence]
            missing.discard(sequence)
        if missing:
            for order in Order.objects.filter(market=self.market, sequence__in=missing):
                self.orders[order.sequence] = order

    def _record(self, event: Event, seq: int, draft: Order | None) -> None:
        if isinstance(event, Accepted):
            assert draft is not None  # an order is accepted only while it is being placed
            draft.sequence, draft.open_lots, draft.qty_lots = event.order_id, event.qty, event.qty
            draft.updated_seq = draft.priority = seq
            self.orders[event.order_id] = draft
            self.created.append(draft)
            self.touched.add(event.order_id)
        elif isinstance(event, TradeEvent):
            self._trade(event, seq)
        elif isinstance(event, Cancelled):
            order = self._change(event.order_id, seq)
            order.open_lots -= event.qty
            if order.open_lots != event.remaining:
                raise ApplicationError("The book and the stored orders disagree.", status=500,
                                       code=MarketErrorCode.ENGINE_INCONSISTENT)
            if not order.open_lots:
                order.status, order.cancel_reason = OrderStatus.CANCELLED, event.reason.value
        elif isinstance(event, Amended):
            order = self._change(event.order_id, seq)
            order.price_ticks, order.open_lots = event.price, event.qty
            order.qty_lots = order.filled_lots + event.qty
            if not event.priority_kept:
                order.priority = seq  # re-queued: the back of its level, as of this command
        elif isinstance(event, Expired):
            order = self._change(event.order_id, seq)
            order.open_lots -= event.qty
            order.status = OrderStatus.EXPIRED

    def _change(self, sequence: int, seq: int) -> Order:
        order = self.orders[sequence]
        order.updated_seq = seq
        self.touched.add(sequence)
        return order

    def _trade(self, e: TradeEvent, seq: int) -> None:
        maker, taker = self._change(e.maker_order, seq), self._change(e.taker_order, seq)
        buyer, seller = (taker, maker) if e.taker_side == Side.BUY else (maker, taker)
        notional = self.terms.notional(e.price, e.qty)
        maker_fee, taker_fee = fee(notional, maker.fee_bps_maker), fee(notional, taker.fee_bps_taker)
        buyer_fee, seller_fee = (taker_fee, maker_fee) if buyer is taker else (maker_fee, taker_fee)
        for order, paid in ((maker, maker_fee), (taker, taker_fee)):
            order.filled_lots += e.qty
            order.open_lots -= e.qty
            order.filled_notional += notional
            order.fees_paid += paid
        pay = notional + buyer_fee
        release = pay if buyer.order_type == OrderType.MARKET \
            else buyer.reserve_left - required_reserve(self.terms, buyer)
        if release < pay:
            raise ApplicationError("A fill would spend more than its order reserved.", status=500,
                                   code=MarketErrorCode.ENGINE_INCONSISTENT)
        trade = TradeRow(sequence=e.sequence, command_seq=seq, price_ticks=e.price, qty_lots=e.qty, notional=notional,
                         taker_side=e.taker_side.value, maker_order=maker, taker_order=taker, buyer_fee=buyer_fee,
                         seller_fee=seller_fee)
        self.settlement.trade(trade, buyer, seller, self.terms.base_amount(e.qty), release)
        self.market.last_price_ticks = e.price
        for order, role, paid in ((maker, FillRole.MAKER, maker_fee), (taker, FillRole.TAKER, taker_fee)):
            self.fills.append(FillRow(tenant_id=order.tenant_id, order=order, trade=trade, command_seq=seq,
                                      side=order.side, role=role, price_ticks=e.price, qty_lots=e.qty,
                                      notional=notional, fee=paid))

    def _settle(self, events: list[Event]) -> None:
        """After each command: finish orders with nothing open, queue the resting ones, and release what no
        order needs any more, so the next command of the batch sees those funds free (as it would have, had
        this command committed alone)."""
        created: set[int] = set()
        sequences: set[int] = set()
        for e in events:
            if isinstance(e, TradeEvent):
                sequences.update((e.maker_order, e.taker_order))
            elif isinstance(e, (Accepted, Cancelled, Amended, Expired)):
                sequences.add(e.order_id)
                if isinstance(e, Accepted):
                    created.add(e.order_id)
        for sequence in sorted(sequences):
            order = self.orders[sequence]
            if order.status == OrderStatus.OPEN and not order.open_lots:
                order.status = OrderStatus.FILLED
            resting = order.status == OrderStatus.OPEN
            if resting and sequence in created and order.time_in_force == core.TimeInForce.GTD \
                    and order.expires_at is not None:
                self.book.note_expiry(to_ms(order.expires_at))
            excess = order.reserve_left - required_reserve(self.terms, order)
            if excess > 0:
                self.settlement.release(order, excess, final=not resting)

    def finish(self) -> None:
        """Write everything; the ledger batch goes last (see settlement)."""
        commands_copy(self.market.pk, self.commands, now=self.now)
        if self.commands:
            self.market.last_command_id = self.commands[-1].pk
        rows_copy(Order, self.created, now=self.now)
        created = {o.sequence for o in self.created}
        changed = [self.orders[s] for s in sorted(self.touched) if s not in created]
        for order in self.created + changed:
            order.updated_at = self.now
        if changed:
            with connection.cursor() as cursor:
                cursor.execute(UPDATE_ORDERS_SQL, [self.now, [o.pk for o in changed],
                                                   *([getattr(o, name) for o in changed] for name, _ in ORDER_COLUMNS)])
        Market.objects.filter(pk=self.market.pk).update(
            command_seq=self.market.command_seq, last_command_id=self.market.last_command_id,
            next_sequence=self.market.next_sequence, engine_now=self.market.engine_now,
            last_price_ticks=self.market.last_price_ticks, updated_at=self.now)
        self.settlement.flush(self.now)
        fills_copy(self.market.pk, self.fills, now=self.now)
        self.book.command_seq, self.book.last_command_id = self.market.command_seq, self.market.last_command_id
        self._keep_resting()

    def _keep_resting(self) -> None:
        """Leave the book the rows of its resting orders as this run wrote them, for the next run's makers."""
        rows = self.book.rows
        for sequence, order in self.orders.items():
            if order.status == OrderStatus.OPEN:
                rows[sequence] = order
            else:
                rows.pop(sequence, None)


def new_order_command(order: Order, *, max_spend: int | None) -> core.NewOrder:
    """The engine command for a validated, unsaved order."""
    return core.NewOrder(owner=order.tenant_id, client_id=order.client_id, side=core.Side(order.side),
                         qty=order.qty_lots, price=order.price_ticks, kind=core.OrderType(order.order_type),
                         tif=core.TimeInForce(order.time_in_force), expires_at=to_ms(order.expires_at),
                         post_only=order.post_only, stp=core.StpMode(order.stp_mode), max_spend=max_spend)
