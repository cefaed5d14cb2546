"""One side of a price-time order book: price levels of FIFO queues.

Each side keeps ``levels: dict[key, Level]`` and ``keys: list[int]`` sorted
ascending with the best level LAST, so the hot path (take or drop the best level)
is ``keys[-1]`` / ``keys.pop()``. ``key = price`` for bids and ``-price`` for asks,
which lets the matcher test "crosses" as ``key >= limit_key`` on either side.

Cancelled orders are deleted lazily: the order is marked dead (``remaining == 0``)
and the level's live ``count``/``qty`` drop at once, so a cancel is O(1) plus, only
when a level empties, one O(levels) list delete.

    >>> side = BookSide(sign=1)
    >>> side.add(LiveOrder(1, 7, "a", Side.BUY, 100, 5, 0, TimeInForce.GTC, None, False, StpMode.CANCEL_NEWEST))
    >>> side.best_price(), side.depth(5)
    (100, [(100, 5)])
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from collections.abc import Iterator

from kernels.matching.commands import ClientId
from kernels.matching.enums import Side, StpMode, TimeInForce

# Dead entries may pile up behind a long-lived head order; rebuild the queue once
# they outnumber the live ones, which keeps memory and scans amortised O(1).
_COMPACT_SLACK = 16


class LiveOrder:
    """Mutable state of one accepted order (internal; ``RestingOrder`` is the public view)."""

    __slots__ = ("order_id", "owner", "client_id", "side", "price", "remaining", "filled",
                 "tif", "expires_at", "post_only", "stp")

    def __init__(
        self, order_id: int, owner: int, client_id: ClientId, side: Side, price: int | None,
        remaining: int, filled: int, tif: TimeInForce, expires_at: int | None,
        post_only: bool, stp: StpMode,
    ) -> None:
        self.order_id = order_id
        self.owner = owner
        self.client_id = client_id
        self.side = side
        self.price = price
        self.remaining = remaining
        self.filled = filled
        self.tif = tif
        self.expires_at = expires_at
        self.post_only = post_only
        self.stp = stp


class Level:
    """FIFO queue at one price; ``qty``/``count`` cover live orders only."""

    __slots__ = ("orders", "qty", "count")

    def __init__(self) -> None:
        self.orders: deque[LiveOrder] = deque()
        self.qty = 0
        self.count = 0


class BookSide:
    """Bids (``sign=1``) or asks (``sign=-1``) of one market."""

    __slots__ = ("sign", "keys", "levels")

    def __init__(self, sign: int) -> None:
        self.sign = sign
        self.keys: list[int] = []
        self.levels: dict[int, Level] = {}

    def add(self, order: LiveOrder) -> None:
        """Queue ``order`` at the back of its price level."""
        assert order.price is not None  # only limit orders rest in a book
        key = self.sign * order.price
        level = self.levels.get(key)
        if level is None:
            level = self.levels[key] = Level()
            insort(self.keys, key)
        level.orders.append(order)
        level.qty += order.remaining
        level.count += 1

    def remove(self, order: LiveOrder) -> None:
        """Take a resting ``order`` out of the book (marks it dead: ``remaining = 0``)."""
        assert order.price is not None  # only limit orders rest in a book
        key = self.sign * order.price
        level = self.levels[key]
        level.qty -= order.remaining
        level.count -= 1
        order.remaining = 0
        if not level.count:
            del self.levels[key]
            del self.keys[bisect_left(self.keys, key)]
        elif len(level.orders) > 2 * level.count + _COMPACT_SLACK:
            level.orders = deque(o for o in level.orders if o.remaining)

    def shrink(self, order: LiveOrder, qty: int) -> None:
        """Lower a resting order's open quantity by ``qty`` in place (keeps priority)."""
        assert order.price is not None  # only limit orders rest in a book
        self.levels[self.sign * order.price].qty -= qty
        order.remaining -= qty

    def best_price(self) -> int | None:
        """Best price in ticks, or None when the side is empty."""
        return self.sign * self.keys[-1] if self.keys else None

    def depth(self, levels: int) -> list[tuple[int, int]]:
        """Up to ``levels`` (price, total open qty) pairs, best first."""
        sign, book = self.sign, self.levels
        return [(sign * key, book[key].qty) for key in reversed(self.keys[-levels:])] if levels > 0 else []

    def orders(self) -> Iterator[LiveOrder]:
        """Live orders in priority order: best price first, then arrival."""
        for key in reversed(self.keys):
            yield from (o for o in self.levels[key].orders if o.remaining)
