"""SQL helpers: database-enforced invariants, bulk writes by COPY, and prepared statements on Django's connection."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from django.db import connection, migrations

EXPLICIT_ONLY = 2**31 - 1  # a prepare threshold no query reaches: only statements executed with prepare=True


def rows_copy_in(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write `rows` (one value per column, in `columns`' order) into `table` with one COPY on Django's connection,
    inside the caller's transaction: per row far cheaper than INSERTs, however they are batched."""
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def prepared_cursor() -> psycopg.Cursor:
    """A server-binding cursor on Django's connection whose `prepare=True` statements are really prepared, which
    spares parsing and planning a hot statement on every call (about 0.1 ms of a 0.5 ms ledger transfer,
    docs/ledger.md).

    Django opens psycopg connections with `prepare_threshold=None`, and psycopg then ignores `prepare=True` too. A
    threshold no statement reaches makes the explicit requests work while Django's own queries stay unprepared."""
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = EXPLICIT_ONLY
    return psycopg.Cursor(raw)


def append_only_sql(table: str) -> str:
    """A trigger that refuses UPDATE and DELETE on `table`, so history can only grow.

    TRUNCATE stays possible for the table owner only (test runs flush with it); production grants the app's
    role INSERT and SELECT on these tables and nothing else (README "Database roles")."""
    fn = f"{table}_append_only"
    return f"""
CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
DROP TRIGGER IF EXISTS {fn}_row ON {table};
CREATE TRIGGER {fn}_row BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {fn}();
"""


def append_only_reverse_sql(table: str) -> str:
    fn = f"{table}_append_only"
    return f"DROP TRIGGER IF EXISTS {fn}_row ON {table}; DROP FUNCTION IF EXISTS {fn}();"


def append_only_operation(table: str) -> migrations.RunSQL:
    return migrations.RunSQL(append_only_sql(table), append_only_reverse_sql(table))
