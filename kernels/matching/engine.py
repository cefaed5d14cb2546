"""The single-writer matching engine for one market: ``Engine.apply(command) -> events``.

Deterministic by construction: no clocks, no randomness, no iteration over
unordered state, so replaying a command log reproduces every event, and an
engine restored from ``snapshot()`` continues exactly like the original.

    >>> engine = Engine()
    >>> _ = engine.apply(NewOrder.limit(owner=1, client_id="s", side=Side.SELL, price=101, qty=5))
    >>> events = engine.apply(NewOrder.limit(owner=2, client_id="b", side=Side.BUY, price=101, qty=2))
    >>> [type(e).__name__ for e in events]
    ['Accepted', 'Trade']
    >>> engine.depth(1)
    ([], [(101, 3)])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from heapq import heapify, heappop, heappush

from kernels.matching.book import BookSide, LiveOrder
from kernels.matching.commands import Amend, Cancel, CancelAll, ClientId, Command, Expire, NewOrder
from kernels.matching.enums import Reason, Side, StpMode, TimeInForce
from kernels.matching.events import Accepted, Amended, Cancelled, Event, Expired, Rejected, RestingOrder
from kernels.matching.matching import LiveIndex, can_fill, forget, match
from kernels.matching.validation import invalid_amend, invalid_order

# Module aliases: an enum attribute lookup costs ~150 ns, a global ~10 ns.
_BUY = Side.BUY
_GTC, _GTD, _FOK = TimeInForce.GTC, TimeInForce.GTD, TimeInForce.FOK
_USER, _POST_ONLY, _FOK_KILL = Reason.USER, Reason.POST_ONLY, Reason.FOK
_NO_LIQUIDITY, _IOC_REMAINDER = Reason.MARKET_NO_LIQUIDITY, Reason.IOC_REMAINDER
# Below every possible book key: a market order crosses any price.
_NO_LIMIT = -(1 << 62)


class Engine:
    """Order book plus matcher for one market; feed it commands from one writer only.

    State: two ``BookSide``s, the index owner -> client id -> resting order, a heap
    of (expires_at, order_id, owner, client_id) for GTD orders, the engine clock
    (moved only by ``Expire``) and one sequence counter for order ids and trades.
    """

    __slots__ = ("_bids", "_asks", "_live", "_expiries", "_next_seq", "_now", "_handlers")

    def __init__(self, *, next_sequence: int = 1, now: int = 0) -> None:
        self._bids = BookSide(1)
        self._asks = BookSide(-1)
        self._live: LiveIndex = {}
        self._expiries: list[tuple[int, int, int, ClientId]] = []
        self._next_seq = next_sequence
        self._now = now
        self._handlers: dict[type, Callable[..., list[Event]]] = {
            NewOrder: self._new_order, Cancel: self._cancel, CancelAll: self._cancel_all,
            Amend: self._amend, Expire: self._expire,
        }

    def apply(self, command: Command) -> list[Event]:
        """Apply one command and return what happened, in order."""
        handler = self._handlers.get(type(command))
        if handler is None:
            raise TypeError(f"not a matching command: {command!r}")
        return handler(command)

    def _new_order(self, cmd: NewOrder) -> list[Event]:
        reason = invalid_order(cmd)
        if reason is None:
            mine = self._live.get(cmd.owner)
            if mine is not None and cmd.client_id in mine:
                reason = Reason.DUPLICATE
            elif cmd.tif is _GTD and cmd.expires_at is not None and cmd.expires_at <= self._now:
                reason = Reason.EXPIRED
        if reason is not None:
            return [Rejected(cmd, reason)]
        order_id = self._next_seq
        self._next_seq = order_id + 1
        order = LiveOrder(order_id, cmd.owner, cmd.client_id, cmd.side, cmd.price, cmd.qty, 0,
                          cmd.tif, cmd.expires_at, cmd.post_only, cmd.stp)
        events: list[Event] = [Accepted(order_id, cmd.owner, cmd.client_id, cmd.side, cmd.price, cmd.qty)]
        self._execute(order, cmd.max_spend, events)
        if order.remaining and order.tif is _GTD and order.expires_at is not None:
            heappush(self._expiries, (order.expires_at, order_id, order.owner, order.client_id))
        return events

    def _execute(self, order: LiveOrder, budget: int | None, events: list[Event]) -> None:
        """Match ``order`` as a taker, then rest or cancel what is left of it."""
        is_buy = order.side is _BUY
        opposite = self._asks if is_buy else self._bids
        if order.price is None:
            limit_key = _NO_LIMIT
        else:
            limit_key = -order.price if is_buy else order.price
        keys = opposite.keys
        if order.post_only and keys and keys[-1] >= limit_key:
            self._cancel_taker(order, _POST_ONLY, events)
            return
        if order.tif is _FOK and not can_fill(order, opposite, limit_key, budget):
            self._cancel_taker(order, _FOK_KILL, events)
            return
        stop = None
        if keys and keys[-1] >= limit_key:
            self._next_seq, stop = match(order, opposite, limit_key, budget, self._next_seq, events, self._live)
        if not order.remaining:
            return
        if stop is None and (order.tif is _GTC or order.tif is _GTD):
            (self._bids if is_buy else self._asks).add(order)
            mine = self._live.get(order.owner)
            if mine is None:
                mine = self._live[order.owner] = {}
            mine[order.client_id] = order
            return
        if stop is None:
            stop = _NO_LIQUIDITY if order.price is None else _IOC_REMAINDER
        self._cancel_taker(order, stop, events)

    @staticmethod
    def _cancel_taker(order: LiveOrder, reason: Reason, events: list[Event]) -> None:
        events.append(Cancelled(order.order_id, order.owner, order.remaining, 0, reason))
        order.remaining = 0

    def _unlink(self, order: LiveOrder) -> None:
        (self._bids if order.side is _BUY else self._asks).remove(order)
        forget(self._live, order)

    def _find(self, owner: int, client_id: ClientId) -> LiveOrder | None:
        mine = self._live.get(owner)
        return None if mine is None else mine.get(client_id)

    def _cancel(self, cmd: Cancel) -> list[Event]:
        # Inlined find/unlink: cancels are ~30% of traffic.
        mine = self._live.get(cmd.owner)
        if mine is None or (order := mine.get(cmd.client_id)) is None:
            return [Rejected(cmd, Reason.UNKNOWN_ORDER)]
        event = Cancelled(order.order_id, order.owner, order.remaining, 0, _USER)
        del mine[cmd.client_id]
        if not mine:
            del self._live[cmd.owner]
        (self._bids if order.side is _BUY else self._asks).remove(order)
        return [event]

    def _cancel_all(self, cmd: CancelAll) -> list[Event]:
        mine = sorted(self._live.get(cmd.owner, {}).values(), key=lambda o: o.order_id)
        events: list[Event] = []
        for order in mine:
            events.append(Cancelled(order.order_id, order.owner, order.remaining, 0, _USER))
            self._unlink(order)
        return events

    def _amend(self, cmd: Amend) -> list[Event]:
        order = self._find(cmd.owner, cmd.client_id)
        if order is None:
            return [Rejected(cmd, Reason.UNKNOWN_ORDER)]
        reason = invalid_amend(cmd)
        if reason is not None:
            return [Rejected(cmd, reason)]
        qty = order.remaining if cmd.qty is None else cmd.qty
        price = order.price if cmd.price is None else cmd.price
        assert price is not None  # what rests in a book has a limit price
        if price == order.price and qty <= order.remaining:
            (self._bids if order.side is _BUY else self._asks).shrink(order, order.remaining - qty)
            return [Amended(order.order_id, order.owner, price, qty, True)]
        # Re-entry uses a fresh object: the old one may still sit, dead, in its queue.
        self._unlink(order)
        fresh = LiveOrder(order.order_id, order.owner, order.client_id, order.side, price, qty,
                          order.filled, order.tif, order.expires_at, order.post_only, order.stp)
        events: list[Event] = [Amended(order.order_id, order.owner, price, qty, False)]
        self._execute(fresh, None, events)
        return events

    def _expire(self, cmd: Expire) -> list[Event]:
        if type(cmd.now) is not int or cmd.now < self._now:
            return [Rejected(cmd, Reason.INVALID)]
        self._now = cmd.now
        heap, events = self._expiries, list[Event]()
        while heap and heap[0][0] <= cmd.now:
            _, order_id, owner, client_id = heappop(heap)
            order = self._find(owner, client_id)
            # A filled or cancelled order leaves a stale heap entry; a reused client id has a new order id.
            if order is not None and order.order_id == order_id:
                events.append(Expired(order_id, owner, order.remaining))
                self._unlink(order)
        return events

    @property
    def next_sequence(self) -> int:
        """The order id / trade sequence number the next accepted order or trade gets."""
        return self._next_seq

    @property
    def now(self) -> int:
        """Engine time: the ``now`` of the last accepted ``Expire``."""
        return self._now

    def best_bid(self) -> int | None:
        """Highest resting buy price in ticks, or None."""
        return self._bids.best_price()

    def best_ask(self) -> int | None:
        """Lowest resting sell price in ticks, or None."""
        return self._asks.best_price()

    def depth(self, levels: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """L2 view: up to ``levels`` (price ticks, open lots) per side, best first."""
        return self._bids.depth(levels), self._asks.depth(levels)

    def order(self, owner: int, client_id: ClientId) -> RestingOrder | None:
        """The owner's resting order with this client id, or None if it is not on the book."""
        order = self._find(owner, client_id)
        return None if order is None else _view(order)

    def snapshot(self) -> list[RestingOrder]:
        """Every resting order: bids then asks, each in priority order (best price, then time)."""
        return [_view(o) for side in (self._bids, self._asks) for o in side.orders()]

    @classmethod
    def restore(cls, snapshot: Sequence[RestingOrder], next_sequence: int, *, now: int = 0) -> Engine:
        """Rebuild an engine from ``snapshot()``, the original's ``next_sequence`` and ``now``.

        Raises ValueError if an order id is not below ``next_sequence``, a GTD
        order has already expired at ``now``, an owner's client id repeats, or a
        row carries plain strings instead of enum members.
        """
        engine = cls(next_sequence=next_sequence, now=now)
        for row in snapshot:
            expiry = row.expires_at if row.tif is _GTD else None
            if row.order_id >= next_sequence or (row.tif is _GTD and (expiry is None or expiry <= now)):
                raise ValueError(f"snapshot row inconsistent with next_sequence/now: {row!r}")
            if engine._find(row.owner, row.client_id) is not None:
                raise ValueError(f"duplicate client id in snapshot: {row!r}")
            # The book compares enums by identity: a plain "buy" would silently join the asks.
            if type(row.side) is not Side or type(row.tif) is not TimeInForce or type(row.stp) is not StpMode:
                raise ValueError(f"snapshot row needs Side/TimeInForce/StpMode members: {row!r}")
            order = LiveOrder(row.order_id, row.owner, row.client_id, row.side, row.price, row.qty,
                              row.filled, row.tif, row.expires_at, row.post_only, row.stp)
            (engine._bids if row.side is _BUY else engine._asks).add(order)
            engine._live.setdefault(row.owner, {})[row.client_id] = order
            if expiry is not None:
                engine._expiries.append((expiry, row.order_id, row.owner, row.client_id))
        heapify(engine._expiries)
        return engine


def _view(order: LiveOrder) -> RestingOrder:
    assert order.price is not None  # only limit orders rest in a book
    return RestingOrder(order.order_id, order.owner, order.client_id, order.side, order.price,
                        order.remaining, order.filled, order.tif, order.expires_at, order.post_only, order.stp)
