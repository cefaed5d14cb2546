"""Writing graph outbox events inside the change's own transaction, and waking the projector after commit."""
from __future__ import annotations

from typing import Any

from django.db import models, transaction

from apps.dna import payloads
from apps.dna.graph.connection import mirror_enabled
from apps.dna.models import GraphOp, GraphOutbox


def outbox_event(*, tenant_id: int | None, object_type: str, obj: models.Model,
                 op: str = GraphOp.UPSERT) -> GraphOutbox:
    """The event for one object's current state (its payload, built from the row as the graph will hold it)."""
    row = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    return GraphOutbox(tenant_id=tenant_id, object_type=object_type, object_id=obj.pk, op=op,
                       payload=payloads.BUILDERS[object_type](row))


def outbox_write(events: list[GraphOutbox]) -> None:
    """Insert in the caller's transaction (so the event commits with the change) and project after commit."""
    assert transaction.get_connection().in_atomic_block, "outbox events belong in the change's transaction"
    if not events:
        return
    GraphOutbox.objects.bulk_create(events)
    projection_schedule()


def projection_schedule() -> None:
    if not mirror_enabled():
        return  # the periodic drain marks events skipped; nothing to wake

    def enqueue() -> None:
        from apps.dna.tasks import graph_project

        graph_project.delay()

    transaction.on_commit(enqueue)


def outbox_rows_for(object_type: str, rows: list[dict[str, Any]], *, tenant_id: int,
                    op: str = GraphOp.UPSERT) -> list[GraphOutbox]:
    """Events for rows already read as dicts of column values (bulk paths)."""
    build = payloads.BUILDERS[object_type]
    return [GraphOutbox(tenant_id=tenant_id, object_type=object_type, object_id=row["id"], op=op,
                        payload=build(row)) for row in rows]
