from __future__ import annotations

import functools
from typing import Any

import psycopg
from django.db import connections, models, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from apps.core.actors import Actor
from apps.core.db import prepared_cursor
from apps.core.request_context import request_id_var
from apps.ops.models import AuditLog


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-safe picture of a row for before/after columns."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(instance, name)
        out[name] = value if isinstance(value, (str, int, float, bool, type(None), list, dict)) else str(value)
    return out


def audit_record(*, actor: Actor, action: str, obj: models.Model | None = None, tenant_id: int | None = None,
                 object_type: str = "", object_id: str = "", before: dict[str, Any] | None = None,
                 after: dict[str, Any] | None = None) -> AuditLog:
    """Append one audit row inside the caller's transaction, so it commits (or not) with the write."""
    assert transaction.get_connection().in_atomic_block, "audit rows belong in the write's transaction"
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or str(obj.pk)
    return _create(actor=actor, action=action, tenant_id=tenant_id, object_type=object_type, object_id=object_id,
                   before=before, after=after)


def audit_record_alone(*, actor: Actor, action: str, tenant_id: int | None, object_type: str, object_id: str,
                       after: dict[str, Any] | None = None) -> None:
    """Append an audit row that is a write of its own: the record of a call (an MCP tool call) whose work committed,
    or read nothing, in a transaction of its own. Inside a transaction the row belongs to that write: use
    `audit_record`.

    One round trip (psycopg's pipeline mode): BEGIN, `SET LOCAL synchronous_commit TO off`, one prepared INSERT of
    the same columns `audit_record` writes, COMMIT, under the connection's current role and tenant context (RLS
    checks the row as before). The commit does not wait for the WAL flush, which on a durable server was most of
    the row's cost (docs/bridge.md "Django side (session 6)"): an application crash cannot lose the row, only a
    crash of the PostgreSQL server itself within about 3 x wal_writer_delay of the commit can. The writes a call
    makes are not covered by this: each committed, durably, in its service's own transaction before this runs."""
    connection = transaction.get_connection()
    assert not connection.in_atomic_block, "inside a write's transaction, use audit_record"
    values = {"actor_user_id": actor.user_id, "actor_api_key_id": actor.api_key_id, "actor_label": actor.label,
              "tenant_id": tenant_id, "action": action, "object_type": object_type, "object_id": object_id,
              "before": None, "after": None if after is None else Jsonb(after),
              "request_id": request_id_var.get() or "", "created_at": timezone.now()}
    with connection.wrap_database_errors, prepared_cursor() as cursor:  # Django's exception types, as before
        pg = cursor.connection
        try:
            with pg.pipeline():
                cursor.execute("BEGIN")
                cursor.execute("SET LOCAL synchronous_commit TO off")
                cursor.execute(_alone_insert(), [values[name] for name in ALONE_COLUMNS], prepare=True)
                cursor.execute("COMMIT")
        except psycopg.Error:
            # A refused row (RLS, a too-long value) leaves our BEGIN's transaction open and aborted.
            if pg.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                pg.execute("ROLLBACK")
            raise


# Every column of AuditLog but its generated id (tests/ops check that none is missing).
ALONE_COLUMNS = ("actor_user_id", "actor_api_key_id", "actor_label", "tenant_id", "action", "object_type",
                 "object_id", "before", "after", "request_id", "created_at")


@functools.cache
def _alone_insert() -> str:
    meta, quote = AuditLog._meta, connections["default"].ops.quote_name
    column = {field.attname: str(field.column) for field in meta.concrete_fields}
    columns = ", ".join(quote(column[name]) for name in ALONE_COLUMNS)
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(ALONE_COLUMNS))})"


def _create(*, actor: Actor, action: str, tenant_id: int | None, object_type: str, object_id: str,
            before: dict[str, Any] | None, after: dict[str, Any] | None) -> AuditLog:
    return AuditLog.objects.create(
        actor_user_id=actor.user_id, actor_api_key_id=actor.api_key_id, actor_label=actor.label,
        tenant_id=tenant_id, action=action, object_type=object_type, object_id=object_id,
        before=before, after=after, request_id=request_id_var.get() or "",
    )


from apps.ops.energy.records import job_energy_record  # noqa: E402  (the energy service lives with its sampler)

__all__ = ["audit_record", "audit_record_alone", "job_energy_record", "snapshot"]
