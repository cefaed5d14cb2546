"""Multi-row writes of a market transaction with COPY: a batch writes hundreds of orders, fills, trades and
commands, and building Django's multi-row INSERT (one prepared value per column per row) cost more than the
database's work. Ids come from each table's own sequence first, so the rows can reference each other.

COPY FROM is refused on a table under row-level security unless the role bypasses it: call this inside the
market transaction's system context, as every market write runs.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models


def ids_allocate(table: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
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
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    with connection.cursor() as cursor, cursor.copy(f"COPY {meta.db_table} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            copy.write_row([_value(f, obj) for f in fields])
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
