"""A naive reference model of the matching rules, handed to tests as a fixture.

It shares nothing with ``kernels.matching`` but the command/event types: it keeps
one flat list of resting orders, finds each best maker by a full scan (O(n) per
fill, O(n^2) per command) and checks FOK by trial-and-rollback on a deep copy.
Agreement with ``Engine`` on random command logs is the priority/STP/FOK oracle.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pytest

from kernels.matching import (
    Accepted,
    Amend,
    Amended,
    Cancel,
    CancelAll,
    Cancelled,
    Command,
    Event,
    Expire,
    Expired,
    NewOrder,
    OrderType,
    Reason,
    Rejected,
    RestingOrder,
    Side,
    StpMode,
    TimeInForce,
    Trade,
)

_RESTING = (TimeInForce.GTC, TimeInForce.GTD)


@dataclass
class RefOrder:
    """One order of the reference model; ``stamp`` orders time priority."""

    order_id: int
    owner: int
    client_id: int | str
    side: Side
    price: int | None
    open: int
    filled: int
    tif: TimeInForce
    expires_at: int | None
    post_only: bool
    stp: StpMode
    stamp: int = 0


class ReferenceEngine:
    """Slow, obvious implementation of the documented rules."""

    def __init__(self) -> None:
        self.book: list[RefOrder] = []
        self.seq = 1
        self.now = 0
        self.stamp = 0

    def apply(self, cmd: Command) -> list[Event]:
        """Same contract as ``Engine.apply``."""
        handler = {NewOrder: self.new_order, Cancel: self.cancel, CancelAll: self.cancel_all,
                   Amend: self.amend, Expire: self.expire}[type(cmd)]
        return handler(cmd)

    def find(self, owner: int, client_id: int | str) -> RefOrder | None:
        """The resting order with this owner and client id."""
        hits = [o for o in self.book if o.owner == owner and o.client_id == client_id]
        return hits[0] if hits else None

    def new_order(self, cmd: NewOrder) -> list[Event]:
        """Validate, accept and execute a new order."""
        if not _valid(cmd):
            return [Rejected(cmd, Reason.INVALID)]
        if self.find(cmd.owner, cmd.client_id) is not None:
            return [Rejected(cmd, Reason.DUPLICATE)]
        if cmd.tif == TimeInForce.GTD and cmd.expires_at <= self.now:
            return [Rejected(cmd, Reason.EXPIRED)]
        order = RefOrder(self.seq, cmd.owner, cmd.client_id, cmd.side, cmd.price, cmd.qty, 0,
                         cmd.tif, cmd.expires_at, cmd.post_only, cmd.stp)
        self.seq += 1
        events: list[Event] = [Accepted(order.order_id, cmd.owner, cmd.client_id, cmd.side, cmd.price, cmd.qty)]
        return events + self.execute(order, cmd.max_spend)

    def crosses(self, taker: RefOrder, maker: RefOrder) -> bool:
        """Would ``taker`` trade with ``maker`` on price?"""
        if maker.side == taker.side:
            return False
        if taker.price is None:
            return True
        return maker.price <= taker.price if taker.side == Side.BUY else maker.price >= taker.price

    def best_maker(self, taker: RefOrder) -> RefOrder | None:
        """Price first (cheapest ask / highest bid), then oldest stamp."""
        sign = 1 if taker.side == Side.BUY else -1
        candidates = [o for o in self.book if self.crosses(taker, o)]
        return min(candidates, key=lambda o: (sign * o.price, o.stamp), default=None)

    def execute(self, taker: RefOrder, budget: int | None) -> list[Event]:
        """Take liquidity, then rest or cancel the remainder."""
        if taker.post_only and self.best_maker(taker) is not None:
            return [self.kill(taker, Reason.POST_ONLY)]
        if taker.tif == TimeInForce.FOK:
            trial = copy.deepcopy(self)
            trial_taker = copy.deepcopy(taker)
            trial.take(trial_taker, budget)
            if trial_taker.filled - taker.filled != taker.open:
                return [self.kill(taker, Reason.FOK)]
        events, stop = self.take(taker, budget)
        if taker.open and stop is None and taker.tif in _RESTING:
            self.stamp += 1
            taker.stamp = self.stamp
            self.book.append(taker)
        elif taker.open:
            default = Reason.MARKET_NO_LIQUIDITY if taker.price is None else Reason.IOC_REMAINDER
            events.append(self.kill(taker, stop or default))
        return events

    def kill(self, order: RefOrder, reason: Reason) -> Cancelled:
        """Cancel all that is open of a taker that never rested."""
        event = Cancelled(order.order_id, order.owner, order.open, 0, reason)
        order.open = 0
        return event

    def take(self, taker: RefOrder, budget: int | None) -> tuple[list[Event], Reason | None]:
        """The matching loop; returns events and SPEND_LIMIT if the budget ran out."""
        events: list[Event] = []
        while taker.open:
            maker = self.best_maker(taker)
            if maker is None:
                return events, None
            if maker.owner == taker.owner:
                events += self.self_trade(taker, maker)
                continue
            qty = min(taker.open, maker.open)
            if budget is not None:
                qty = min(qty, budget // maker.price)
                if qty == 0:
                    return events, Reason.SPEND_LIMIT
                budget -= qty * maker.price
            events.append(Trade(maker.order_id, taker.order_id, maker.price, qty, maker.owner,
                                taker.owner, taker.side, self.seq))
            self.seq += 1
            for order in (maker, taker):
                order.open -= qty
                order.filled += qty
            if maker.open == 0:
                self.book.remove(maker)
        return events, None

    def self_trade(self, taker: RefOrder, maker: RefOrder) -> list[Event]:
        """Apply the taker's STP mode."""
        cut_maker = {StpMode.CANCEL_NEWEST: 0, StpMode.CANCEL_OLDEST: maker.open,
                     StpMode.CANCEL_BOTH: maker.open}.get(taker.stp, min(maker.open, taker.open))
        cut_taker = {StpMode.CANCEL_NEWEST: taker.open, StpMode.CANCEL_OLDEST: 0,
                     StpMode.CANCEL_BOTH: taker.open}.get(taker.stp, min(maker.open, taker.open))
        events: list[Event] = []
        for order, cut in ((maker, cut_maker), (taker, cut_taker)):
            if cut:
                order.open -= cut
                events.append(Cancelled(order.order_id, order.owner, cut, order.open, Reason.STP))
        if maker.open == 0:
            self.book.remove(maker)
        return events

    def cancel(self, cmd: Cancel) -> list[Event]:
        """User cancel by client id."""
        order = self.find(cmd.owner, cmd.client_id)
        if order is None:
            return [Rejected(cmd, Reason.UNKNOWN_ORDER)]
        self.book.remove(order)
        return [Cancelled(order.order_id, order.owner, order.open, 0, Reason.USER)]

    def cancel_all(self, cmd: CancelAll) -> list[Event]:
        """Cancel every order of the owner, oldest id first."""
        mine = sorted((o for o in self.book if o.owner == cmd.owner), key=lambda o: o.order_id)
        for order in mine:
            self.book.remove(order)
        return [Cancelled(o.order_id, o.owner, o.open, 0, Reason.USER) for o in mine]

    def amend(self, cmd: Amend) -> list[Event]:
        """Reduce in place, or re-queue (and maybe trade) on a price change or increase."""
        order = self.find(cmd.owner, cmd.client_id)
        if order is None:
            return [Rejected(cmd, Reason.UNKNOWN_ORDER)]
        if (cmd.qty is None and cmd.price is None) or any(v is not None and v < 1 for v in (cmd.qty, cmd.price)):
            return [Rejected(cmd, Reason.INVALID)]
        qty = order.open if cmd.qty is None else cmd.qty
        price = order.price if cmd.price is None else cmd.price
        if price == order.price and qty <= order.open:
            order.open = qty
            return [Amended(order.order_id, order.owner, price, qty, True)]
        self.book.remove(order)
        order.price, order.open = price, qty
        return [Amended(order.order_id, order.owner, price, qty, False)] + self.execute(order, None)

    def expire(self, cmd: Expire) -> list[Event]:
        """Advance time and expire GTD orders, earliest expiry then lowest id first."""
        if cmd.now < self.now:
            return [Rejected(cmd, Reason.INVALID)]
        self.now = cmd.now
        due = sorted((o for o in self.book if o.tif == TimeInForce.GTD and o.expires_at <= cmd.now),
                     key=lambda o: (o.expires_at, o.order_id))
        for order in due:
            self.book.remove(order)
        return [Expired(o.order_id, o.owner, o.open) for o in due]

    def snapshot(self) -> list[RestingOrder]:
        """Bids best first, then asks best first, each in time order."""
        bids = sorted((o for o in self.book if o.side == Side.BUY), key=lambda o: (-o.price, o.stamp))
        asks = sorted((o for o in self.book if o.side == Side.SELL), key=lambda o: (o.price, o.stamp))
        return [RestingOrder(o.order_id, o.owner, o.client_id, o.side, o.price, o.open, o.filled,
                             o.tif, o.expires_at, o.post_only, o.stp) for o in bids + asks]


def _valid(cmd: NewOrder) -> bool:
    if cmd.qty < 1 or (cmd.tif == TimeInForce.GTD) != (cmd.expires_at is not None):
        return False
    if cmd.post_only and cmd.tif not in _RESTING:
        return False
    if cmd.kind == OrderType.LIMIT:
        return cmd.price is not None and cmd.price >= 1 and cmd.max_spend is None
    needs_budget = cmd.side == Side.BUY
    return (cmd.price is None and cmd.tif not in _RESTING and not cmd.post_only
            and (cmd.max_spend is not None and cmd.max_spend >= 1) == needs_budget
            and (cmd.max_spend is None) != needs_budget)


@pytest.fixture(scope="session")
def reference_engine() -> type[ReferenceEngine]:
    """The reference model class; build one per command log."""
    return ReferenceEngine
