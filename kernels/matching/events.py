"""Events returned by ``Engine.apply``, plus the snapshot row of a resting order.

All are frozen dataclasses compared by value, so two event lists from a replay
can be checked with ``==``. Order ids and trade sequence numbers come from one
engine counter, so they never collide and only ever increase.

    >>> Trade(maker_order=1, taker_order=2, price=100, qty=3, maker_owner=7,
    ...       taker_owner=8, taker_side=Side.BUY, sequence=3).qty
    3
"""

from __future__ import annotations

from dataclasses import dataclass

from kernels.matching.commands import ClientId, Command
from kernels.matching.enums import Reason, Side, StpMode, TimeInForce


@dataclass(frozen=True, slots=True)
class Accepted:
    """The order passed validation and got ``order_id`` (a server sequence number)."""

    order_id: int
    owner: int
    client_id: ClientId
    side: Side
    price: int | None
    qty: int


@dataclass(frozen=True, slots=True)
class Rejected:
    """The command was refused as a whole; the book and the counter are unchanged."""

    command: Command
    reason: Reason


@dataclass(frozen=True, slots=True)
class Trade:
    """``qty`` lots changed hands at the maker's ``price``; the buyer is the taker iff ``taker_side`` is BUY."""

    maker_order: int
    taker_order: int
    price: int
    qty: int
    maker_owner: int
    taker_owner: int
    taker_side: Side
    sequence: int


@dataclass(frozen=True, slots=True)
class Cancelled:
    """``qty`` lots of the order were cancelled; ``remaining`` lots stay open.

    ``remaining`` is non-zero only for an STP ``DECREMENT`` that shrank the order.
    """

    order_id: int
    owner: int
    qty: int
    remaining: int
    reason: Reason


@dataclass(frozen=True, slots=True)
class Amended:
    """The order now has open ``qty`` at ``price``; ``priority_kept`` is False if it was re-queued."""

    order_id: int
    owner: int
    price: int
    qty: int
    priority_kept: bool


@dataclass(frozen=True, slots=True)
class Expired:
    """A GTD order reached its expiry; its ``qty`` open lots left the book."""

    order_id: int
    owner: int
    qty: int


Event = Accepted | Rejected | Trade | Cancelled | Amended | Expired


@dataclass(frozen=True, slots=True)
class RestingOrder:
    """One resting order as ``Engine.snapshot()`` reports it (``qty`` is the open quantity)."""

    order_id: int
    owner: int
    client_id: ClientId
    side: Side
    price: int
    qty: int
    filled: int
    tif: TimeInForce
    expires_at: int | None
    post_only: bool
    stp: StpMode
