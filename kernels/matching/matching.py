"""The matching loop: one taker against the opposite ``BookSide``.

Functions here mutate the book, the taker and the owner index they are handed and
append events; the ``Engine`` owns the state and the sequence counter. Cost is
O(fills + self-trade hits + dead entries skipped) per taker; a level emptied by
the loop is always the best one, so dropping it is ``keys.pop()``, O(1).

    >>> from kernels.matching.enums import Side, TimeInForce
    >>> asks = BookSide(sign=-1)
    >>> asks.add(LiveOrder(1, 7, "s", Side.SELL, 101, 5, 0, TimeInForce.GTC, None, False, StpMode.CANCEL_NEWEST))
    >>> taker = LiveOrder(2, 8, "b", Side.BUY, 101, 2, 0, TimeInForce.IOC, None, False, StpMode.CANCEL_NEWEST)
    >>> events = []
    >>> live = {7: {"s": asks.levels[-101].orders[0]}}
    >>> match(taker, asks, limit_key=-101, budget=None, seq=3, events=events, live=live)
    (4, None)
    >>> events[0].price, events[0].qty, asks.depth(1)
    (101, 2, [(101, 3)])
"""

from __future__ import annotations

from kernels.matching.book import BookSide, Level, LiveOrder
from kernels.matching.commands import ClientId
from kernels.matching.enums import Reason, StpMode
from kernels.matching.events import Cancelled, Event, Trade

LiveIndex = dict[int, dict[ClientId, LiveOrder]]

_STP, _SPEND_LIMIT = Reason.STP, Reason.SPEND_LIMIT
_NEWEST = StpMode.CANCEL_NEWEST
_OLDEST = StpMode.CANCEL_OLDEST
_BOTH = StpMode.CANCEL_BOTH


def forget(live: LiveIndex, order: LiveOrder) -> None:
    """Drop ``order`` from the owner -> client id index of resting orders."""
    mine = live[order.owner]
    del mine[order.client_id]
    if not mine:
        del live[order.owner]


def match(
    taker: LiveOrder, book: BookSide, limit_key: int, budget: int | None,
    seq: int, events: list[Event], live: LiveIndex,
) -> tuple[int, Reason | None]:
    """Fill ``taker`` against ``book`` while its best key is ``>= limit_key``.

    ``limit_key`` is the taker's limit in the book's key space (``-price`` against
    asks, ``price`` against bids). ``budget`` (quote units) caps a market buy's
    spend. Returns the next sequence number and ``SPEND_LIMIT`` if the budget
    stopped the taker, else None. One long function on purpose: a call per fill
    would cost more than the fill.
    """
    keys, levels, sign = book.keys, book.levels, book.sign
    owner, taker_id, taker_side = taker.owner, taker.order_id, taker.side
    stop = None
    while keys and taker.remaining and stop is None:
        key = keys[-1]
        if key < limit_key:
            break
        level = levels[key]
        queue, price = level.orders, sign * key
        while queue and taker.remaining:
            maker = queue[0]
            open_qty = maker.remaining
            if not open_qty:
                queue.popleft()
                continue
            if maker.owner == owner:
                prevent_self_trade(taker, maker, level, events, live)
                continue
            qty = taker.remaining if taker.remaining < open_qty else open_qty
            if budget is not None:
                if budget // price < qty:
                    qty = budget // price
                    if not qty:
                        stop = _SPEND_LIMIT
                        break
                budget -= qty * price
            maker.remaining = open_qty - qty
            maker.filled += qty
            taker.remaining -= qty
            taker.filled += qty
            level.qty -= qty
            events.append(Trade(maker.order_id, taker_id, price, qty, maker.owner, owner, taker_side, seq))
            seq += 1
            if qty == open_qty:
                queue.popleft()
                level.count -= 1
                forget(live, maker)
        if not level.count:
            del levels[key]
            keys.pop()
    return seq, stop


def prevent_self_trade(
    taker: LiveOrder, maker: LiveOrder, level: Level, events: list[Event], live: LiveIndex,
) -> None:
    """Apply the taker's STP mode to a same-owner ``maker`` at the head of ``level``."""
    mode = taker.stp
    if mode is _NEWEST:
        _cancel_taker(taker, taker.remaining, events)
    elif mode is _OLDEST:
        _drop_maker(maker, level, events, live)
    elif mode is _BOTH:
        _drop_maker(maker, level, events, live)
        _cancel_taker(taker, taker.remaining, events)
    else:
        overlap = min(taker.remaining, maker.remaining)
        if overlap == maker.remaining:
            _drop_maker(maker, level, events, live)
        else:
            maker.remaining -= overlap
            level.qty -= overlap
            events.append(Cancelled(maker.order_id, maker.owner, overlap, maker.remaining, _STP))
        _cancel_taker(taker, overlap, events)


def _drop_maker(maker: LiveOrder, level: Level, events: list[Event], live: LiveIndex) -> None:
    level.orders.popleft()
    level.count -= 1
    level.qty -= maker.remaining
    events.append(Cancelled(maker.order_id, maker.owner, maker.remaining, 0, _STP))
    maker.remaining = 0
    forget(live, maker)


def _cancel_taker(taker: LiveOrder, qty: int, events: list[Event]) -> None:
    taker.remaining -= qty
    events.append(Cancelled(taker.order_id, taker.owner, qty, taker.remaining, _STP))


def can_fill(taker: LiveOrder, book: BookSide, limit_key: int, budget: int | None) -> bool:
    """Would ``match`` fill ``taker`` completely? Mirrors its STP and budget rules (FOK check)."""
    need, owner = taker.remaining, taker.owner
    skip_own = taker.stp is _OLDEST
    for key in reversed(book.keys):
        if key < limit_key:
            return False
        price = book.sign * key
        for maker in book.levels[key].orders:
            if not maker.remaining:
                continue
            if maker.owner == owner:
                if skip_own:
                    continue
                return False
            qty = min(need, maker.remaining)
            if budget is not None:
                if budget // price < qty:
                    return False
                budget -= qty * price
            need -= qty
            if not need:
                return True
    return False

