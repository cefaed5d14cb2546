"""Multi-row writes of a market transaction with COPY: a batch writes hundreds of orders, fills, trades and
commands, and building Django's multi-row INSERT (one prepared value per column per row) cost more than the
database's work. Ids come from each table's own sequence first, so the rows can reference each other.

COPY FROM is refused on a table under row-level security unless the role bypasses it: call these inside the
market transaction's system context, as every market write runs.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from operator import attrgetter
from typing import Any

from django.db import connection, models

from apps.core.db import rows_copy_in

_SEQUENCES: dict[str, str] = {}  # table -> its id sequence; a table's sequence never changes while we run


def ids_allocate(table: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        if table not in _SEQUENCES:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            _SEQUENCES[table] = cursor.fetchone()[0]
        # the sequence named once: pg_get_serial_sequence in the select list ran a catalog lookup per row
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [_SEQUENCES[table], count])
        return [row[0] for row in cursor.fetchall()]


def _value(field: models.Field, obj: models.Model) -> Any:
    if field.is_relation:  # the related row may have got its id after this object was built
        related = field.get_cached_value(obj, None)  # type: ignore[attr-defined]
        if related is not None:
            return related.pk
    value = getattr(obj, field.attname)
    if isinstance(field, models.JSONField) and value is not None:
        return json.dumps(value, separators=(",", ":"))
    return value


def rows_copy(model: type[models.Model], objs: Sequence[models.Model], *, now: datetime) -> None:
    """Insert `objs` (unsaved) with COPY, giving each its id; `auto_now(_add)` columns get `now`."""
    if not objs:
        return
    meta = model._meta
    fields = list(meta.concrete_fields)
    stamped = [f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj, pk in zip(objs, ids_allocate(meta.db_table, len(objs)), strict=True):
        obj.pk = pk
        for name in stamped:
            setattr(obj, name, now)
    getters = [partial(_value, f) if f.is_relation or isinstance(f, models.JSONField) else attrgetter(f.attname)
               for f in fields]  # plain columns read directly: _value's checks per field cost more than the read
    rows_copy_in(meta.db_table, [connection.ops.quote_name(str(f.column)) for f in fields],
                 ([get(obj) for get in getters] for obj in objs))
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias


# The batch's write-only rows (commands, trades, fills) are plain slotted records, not model instances: building
# a Django model and reading its fields back for COPY cost more per row than the engine's whole match.
@dataclass(slots=True)
class CommandRow:
    seq: int
    kind: str
    payload: dict[str, Any]
    tenant_id: int | None
    actor: str
    pk: int | None = None


@dataclass(slots=True)
class TradeRow:
    sequence: int
    command_seq: int
    price_ticks: int
    qty_lots: int
    notional: int
    taker_side: str
    maker_order: models.Model  # an Order; its id is drawn only when the batch's new orders are written
    taker_order: models.Model
    buyer_fee: int
    seller_fee: int
    entry_id: int | None = None
    pk: int | None = None


@dataclass(slots=True)
class FillRow:
    tenant_id: int
    order: models.Model
    trade: TradeRow
    command_seq: int
    side: str
    role: str
    price_ticks: int
    qty_lots: int
    notional: int
    fee: int


def _with_ids(table: str, rows: Sequence[CommandRow | TradeRow]) -> None:
    for row, pk in zip(rows, ids_allocate(table, len(rows)), strict=True):
        row.pk = pk


def commands_copy(market_id: int, rows: Sequence[CommandRow], *, now: datetime) -> None:
    if rows:
        _with_ids("marketplace_marketcommand", rows)
        rows_copy_in("marketplace_marketcommand", ("id", "market_id", "seq", "kind", "payload", "tenant_id", "actor",
                                                  "created_at"),
                    ((r.pk, market_id, r.seq, r.kind, json.dumps(r.payload, separators=(",", ":")), r.tenant_id,
                      r.actor, now) for r in rows))


def trades_copy(market_id: int, rows: Sequence[TradeRow], *, now: datetime) -> None:
    if rows:
        _with_ids("marketplace_trade", rows)
        rows_copy_in("marketplace_trade", ("id", "market_id", "sequence", "command_seq", "price_ticks", "qty_lots",
                                          "notional", "taker_side", "maker_order_id", "taker_order_id", "buyer_fee",
                                          "seller_fee", "entry_id", "created_at"),
                    ((r.pk, market_id, r.sequence, r.command_seq, r.price_ticks, r.qty_lots, r.notional, r.taker_side,
                      r.maker_order.pk, r.taker_order.pk, r.buyer_fee, r.seller_fee, r.entry_id, now) for r in rows))


def fills_copy(market_id: int, rows: Sequence[FillRow], *, now: datetime) -> None:
    if not rows:
        return
    # nothing references a fill: its id comes from the column's default
    rows_copy_in("marketplace_fill", ("tenant_id", "created_at", "updated_at", "market_id", "order_id", "trade_id",
                                     "command_seq", "side", "role", "price_ticks", "qty_lots", "notional", "fee"),
                ((r.tenant_id, now, now, market_id, r.order.pk, r.trade.pk, r.command_seq, r.side, r.role,
                  r.price_ticks, r.qty_lots, r.notional, r.fee) for r in rows))
