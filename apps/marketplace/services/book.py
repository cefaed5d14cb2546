"""The in-memory matching engine of each market, cached per process and checked out under the market's row lock.

A cached book is trusted only if it sits exactly at the market's committed head (same command seq and command
id: ids come from a sequence, so a rolled-back command's id never reappears). A book that is behind but on the
committed path catches up by replaying the log; anything else is rebuilt from the resting orders in PostgreSQL,
which is also the restart and crash-recovery path.
"""
from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass, field
from typing import Any

from apps.marketplace.domain import command_from_json, to_ms
from apps.marketplace.models import Market, MarketCommand, Order, OrderStatus
from apps.marketplace.services import settlement
from kernels.matching import Engine, NewOrder, RestingOrder, Side, StpMode, TimeInForce

logger = logging.getLogger(__name__)

CATCH_UP_LIMIT = 2000  # beyond this many commands, loading the resting orders is cheaper than replaying


@dataclass
class Book:
    engine: Engine
    command_seq: int
    last_command_id: int | None
    # expires_at (Unix ms) of GTD orders that rested; stale entries are harmless (an Expire then finds nothing).
    expiries: list[int] = field(default_factory=list)
    # sequence -> row of a resting order as committed, kept from the runs that wrote it: valid exactly while the
    # book is at the committed head (only market runs change orders), so a run reads its makers from here, not
    # from one query per command. Dropped with the book; emptied when the book catches up by replay.
    rows: dict[int, Order] = field(default_factory=dict)

    def expiry_due(self, now_ms: int) -> bool:
        return bool(self.expiries) and self.expiries[0] <= now_ms

    def drop_expiries(self, now_ms: int) -> None:
        while self.expiries and self.expiries[0] <= now_ms:
            heapq.heappop(self.expiries)

    def note_expiry(self, expires_at_ms: int) -> None:
        heapq.heappush(self.expiries, expires_at_ms)


_books: dict[int, Book] = {}


def book_checkout(market: Market) -> Book:
    """The engine at exactly `market`'s committed head. Call with the market row locked; the book leaves the
    cache until `book_checkin`, so a transaction that fails never leaves a half-applied engine behind."""
    book = _books.pop(market.pk, None)
    if book is not None and (book.command_seq, book.last_command_id) == (market.command_seq, market.last_command_id):
        return book
    if book is not None and 0 <= market.command_seq - book.command_seq <= CATCH_UP_LIMIT:
        caught_up = _catch_up(market, book)
        if caught_up is not None:
            return caught_up
    return book_rebuild(market)


def book_checkin(market_id: int, book: Book) -> None:
    _books[market_id] = book


def book_forget(market_id: int | None = None) -> None:
    """Drop cached engines (all of them when `market_id` is None): what a process restart does."""
    if market_id is None:
        _books.clear()
        settlement.accounts_forget()
    else:
        _books.pop(market_id, None)


def _catch_up(market: Market, book: Book) -> Book | None:
    """Replay the commands the book has not seen, or None if the book is not a prefix of the committed log
    (it applied a command whose transaction rolled back)."""
    rows: list[tuple[int | None, int, Any]] = list(
        MarketCommand.objects.filter(market=market, seq__gte=book.command_seq).order_by("seq")
        .values_list("id", "seq", "payload"))
    if book.command_seq == 0:
        rows.insert(0, (None, 0, None))  # the empty log's head
    if not rows or rows[0][:2] != (book.last_command_id, book.command_seq):
        return None
    book.rows.clear()  # another process wrote these commands' rows
    for command_id, seq, payload in rows[1:]:
        command = command_from_json(payload)
        book.engine.apply(command)
        if isinstance(command, NewOrder) and command.tif is TimeInForce.GTD and command.expires_at is not None:
            book.note_expiry(command.expires_at)
        book.command_seq, book.last_command_id = seq, command_id
    if (book.command_seq, book.engine.next_sequence) != (market.command_seq, market.next_sequence):
        logger.error("market %s: catch-up ended at %s/%s, expected %s/%s; rebuilding", market.pk, book.command_seq,
                     book.engine.next_sequence, market.command_seq, market.next_sequence)
        return None
    return book


def _resting(row: tuple[Any, ...]) -> RestingOrder:
    """An open order's row as the engine holds it (an open order always has a price)."""
    seq, owner, client_id, side, price, open_lots, filled, tif, expires_at, post_only, stp = row
    return RestingOrder(seq, owner, client_id, Side(side), price, open_lots, filled, TimeInForce(tif),
                        to_ms(expires_at), post_only, StpMode(stp))


def book_rebuild(market: Market) -> Book:
    """Restore the engine from the market's resting orders, in queue priority."""
    rows = Order.objects.filter(market=market, status=OrderStatus.OPEN).order_by("priority").values_list(
        "sequence", "tenant_id", "client_id", "side", "price_ticks", "open_lots", "filled_lots", "time_in_force",
        "expires_at", "post_only", "stp_mode")
    resting = [_resting(row) for row in rows]
    engine = Engine.restore(resting, market.next_sequence, now=market.engine_now)
    expiries = [r.expires_at for r in resting if r.expires_at is not None]
    heapq.heapify(expiries)
    return Book(engine=engine, command_seq=market.command_seq, last_command_id=market.last_command_id,
                expiries=expiries)
