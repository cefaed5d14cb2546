"""Deterministic price-time matching core for one market (pure Python, integers only).

Prices are integer ticks, quantities integer lots, spend bounds quote units
(ticks x lots). ``Engine.apply(command) -> list[event]`` is the only writer;
see ``docs/matching.md`` for the full rule set.

    >>> from kernels.matching import Engine, NewOrder, Side
    >>> engine = Engine()
    >>> engine.apply(NewOrder.limit(owner=1, client_id="a", side=Side.BUY, price=100, qty=3))[0].order_id
    1
"""

from __future__ import annotations

from kernels.matching.commands import Amend, Cancel, CancelAll, ClientId, Command, Expire, NewOrder
from kernels.matching.engine import Engine
from kernels.matching.enums import OrderType, Reason, Side, StpMode, TimeInForce
from kernels.matching.events import (
    Accepted,
    Amended,
    Cancelled,
    Event,
    Expired,
    Rejected,
    RestingOrder,
    Trade,
)

__all__ = [
    "Accepted", "Amend", "Amended", "Cancel", "CancelAll", "Cancelled", "ClientId", "Command",
    "Engine", "Event", "Expire", "Expired", "NewOrder", "OrderType", "Reason", "Rejected",
    "RestingOrder", "Side", "StpMode", "TimeInForce", "Trade",
]
