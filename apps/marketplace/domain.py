"""Plain arithmetic of a market: unit conversions, fees, how much an order must reserve, and the JSON codec of
engine commands for the command log. No database access here.

Money: a trade of `lots` at `ticks` costs `ticks * lots * quote_per_tick_lot` quote minor units (its notional).
Fees are basis points of the notional, rounded down, paid in the quote asset: the buyer pays on top, the seller
receives the notional less its fee. Rounding down makes fees sub-additive (fee(a) + fee(b) <= fee(a + b)), so a
reservation made for a whole order always covers the sum over its fills, at any price no worse than its limit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, overload

from kernels.matching import Amend, Cancel, CancelAll, Command, Expire, NewOrder, OrderType, Side, StpMode, TimeInForce

BPS = 10_000
MAX_AMOUNT = 1 << 62  # every amount must fit PostgreSQL's bigint with room for sums


@dataclass(frozen=True)
class Terms:
    """The numbers of one market that its orders are priced and reserved with."""

    base: str
    quote: str
    tick_size: int
    lot_size: int
    base_scale: int

    @property
    def quote_per_tick_lot(self) -> int:
        return self.tick_size * self.lot_size // 10 ** self.base_scale

    def notional(self, ticks: int, lots: int) -> int:
        return ticks * lots * self.quote_per_tick_lot

    def base_amount(self, lots: int) -> int:
        return lots * self.lot_size


def valid_terms(tick_size: int, lot_size: int, base_scale: int) -> bool:
    """One lot at one tick must be a whole number (at least one) of quote minor units."""
    return tick_size >= 1 and lot_size >= 1 and (tick_size * lot_size) % 10 ** base_scale == 0 \
        and tick_size * lot_size >= 10 ** base_scale


def fee(notional: int, bps: int) -> int:
    return notional * bps // BPS


def limit_reserve(terms: Terms, side: str, ticks: int, lots: int, bps: int) -> int:
    """What an order with `lots` open at limit `ticks` may still spend: quote with the worst fee for a buy,
    base for a sell."""
    if side == Side.BUY:
        notional = terms.notional(ticks, lots)
        return notional + fee(notional, bps)
    return terms.base_amount(lots)


def spend_cap(terms: Terms, max_quote: int, bps: int) -> int:
    """The engine budget (ticks x lots) a market buy may use so that notional plus fee stays within
    `max_quote`; 0 if not even one unit fits."""
    unit = terms.quote_per_tick_lot
    budget = max_quote * BPS // (unit * (BPS + bps))
    while (budget + 1) * unit + fee((budget + 1) * unit, bps) <= max_quote:
        budget += 1  # rounding the fee down may leave room for a little more
    return budget


def book_cost(asks: list[tuple[int, int]], lots: int) -> int:
    """Ticks x lots needed to buy `lots` from the best asks (fewer if the book is thinner)."""
    cost = 0
    for price, qty in asks:
        take = min(qty, lots)
        cost += take * price
        lots -= take
        if not lots:
            break
    return cost


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@overload
def to_ms(moment: datetime) -> int: ...
@overload
def to_ms(moment: None) -> None: ...
@overload
def to_ms(moment: datetime | None) -> int | None: ...


def to_ms(moment: datetime | None) -> int | None:
    """Unix milliseconds, exactly (no float rounding), floored."""
    return None if moment is None else (moment - _EPOCH) // timedelta(milliseconds=1)


def command_to_json(command: Command) -> dict[str, Any]:
    """A command as plain JSON (enums as their values) for the log."""
    if isinstance(command, NewOrder):
        return {"type": "new", "owner": command.owner, "client_id": command.client_id, "side": command.side.value,
                "qty": command.qty, "price": command.price, "kind": command.kind.value, "tif": command.tif.value,
                "expires_at": command.expires_at, "post_only": command.post_only, "stp": command.stp.value,
                "max_spend": command.max_spend}
    if isinstance(command, Amend):
        return {"type": "amend", "owner": command.owner, "client_id": command.client_id, "qty": command.qty,
                "price": command.price}
    if isinstance(command, Cancel):
        return {"type": "cancel", "owner": command.owner, "client_id": command.client_id}
    if isinstance(command, CancelAll):
        return {"type": "cancel_all", "owner": command.owner}
    return {"type": "expire", "now": command.now}


def command_from_json(data: dict[str, Any]) -> Command:
    """Inverse of `command_to_json`; the core compares enums by identity, so they are rebuilt here."""
    kind = data["type"]
    if kind == "new":
        return NewOrder(owner=data["owner"], client_id=data["client_id"], side=Side(data["side"]), qty=data["qty"],
                        price=data["price"], kind=OrderType(data["kind"]), tif=TimeInForce(data["tif"]),
                        expires_at=data["expires_at"], post_only=data["post_only"], stp=StpMode(data["stp"]),
                        max_spend=data["max_spend"])
    if kind == "amend":
        return Amend(owner=data["owner"], client_id=data["client_id"], qty=data["qty"], price=data["price"])
    if kind == "cancel":
        return Cancel(owner=data["owner"], client_id=data["client_id"])
    if kind == "cancel_all":
        return CancelAll(owner=data["owner"])
    if kind == "expire":
        return Expire(now=data["now"])
    raise ValueError(f"unknown command type {kind!r}")
