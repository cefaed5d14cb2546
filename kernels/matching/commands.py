"""Commands accepted by ``Engine.apply``: frozen, hashable, and safe to log and replay.

Units: prices in integer ticks, quantities in integer lots, ``max_spend`` in quote
units (ticks x lots), times in integer engine time units (the caller picks, e.g. ms).

    >>> NewOrder.limit(owner=7, client_id="a1", side=Side.BUY, price=100, qty=5).kind
    <OrderType.LIMIT: 'limit'>
"""

from __future__ import annotations

from dataclasses import dataclass

from kernels.matching.enums import OrderType, Side, StpMode, TimeInForce

ClientId = int | str


@dataclass(frozen=True, slots=True)
class NewOrder:
    """Submit an order; ``client_id`` must be unique among the owner's resting orders.

    A buy ``MARKET`` order needs ``max_spend`` (the quote funds the caller reserved):
    it stops once the next lot would cost more than what is left of it.
    """

    owner: int
    client_id: ClientId
    side: Side
    qty: int
    price: int | None = None
    kind: OrderType = OrderType.LIMIT
    tif: TimeInForce = TimeInForce.GTC
    expires_at: int | None = None
    post_only: bool = False
    stp: StpMode = StpMode.CANCEL_NEWEST
    max_spend: int | None = None

    @classmethod
    def limit(
        cls, *, owner: int, client_id: ClientId, side: Side, price: int, qty: int,
        tif: TimeInForce = TimeInForce.GTC, expires_at: int | None = None,
        post_only: bool = False, stp: StpMode = StpMode.CANCEL_NEWEST,
    ) -> NewOrder:
        """Build a limit order (GTC unless told otherwise)."""
        return cls(owner, client_id, side, qty, price, OrderType.LIMIT, tif, expires_at, post_only, stp)

    @classmethod
    def market(
        cls, *, owner: int, client_id: ClientId, side: Side, qty: int, max_spend: int | None = None,
        tif: TimeInForce = TimeInForce.IOC, stp: StpMode = StpMode.CANCEL_NEWEST,
    ) -> NewOrder:
        """Build a market order (IOC unless ``tif=FOK``); buys need ``max_spend``."""
        return cls(owner, client_id, side, qty, None, OrderType.MARKET, tif, None, False, stp, max_spend)


@dataclass(frozen=True, slots=True)
class Cancel:
    """Cancel one resting order of ``owner`` by its client id."""

    owner: int
    client_id: ClientId


@dataclass(frozen=True, slots=True)
class CancelAll:
    """Cancel every resting order of ``owner`` (events in order-id order)."""

    owner: int


@dataclass(frozen=True, slots=True)
class Amend:
    """Change a resting order's open quantity and/or price.

    ``qty`` is the new OPEN quantity. Lowering it at the same price keeps time
    priority; a new price or a larger quantity re-enters the order at the back of
    its level, and a re-entered order may trade like a new one.
    """

    owner: int
    client_id: ClientId
    qty: int | None = None
    price: int | None = None


@dataclass(frozen=True, slots=True)
class Expire:
    """Advance engine time to ``now`` and expire every GTD order with ``expires_at <= now``."""

    now: int


Command = NewOrder | Cancel | CancelAll | Amend | Expire
