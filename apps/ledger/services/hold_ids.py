"""Hold ids allocated many at a time, for writers that open many system holds in one transaction."""
from __future__ import annotations

from django.db import connection


def system_hold_ids_allocate(count: int) -> list[int]:
    """`count` ids for system holds in one round trip (see `system_hold_id_allocate`); unused ones only leave
    gaps in the sequence, as rolled-back inserts do."""
    if count < 1:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('ledger_hold', 'id')) FROM generate_series(1, %s)",
                       [count])
        return [row[0] for row in cursor.fetchall()]
