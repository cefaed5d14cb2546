"""Projecting the graph outbox into Neo4j: in id order, one drainer at a time, idempotently.

Each event carries its object's whole state and its id is the object's version. An event is applied only if it
is its object's latest event (a later one supersedes it: only the newest state matters) and only onto an older
graph version (the `v` guard), so replaying any event, or receiving it twice, changes nothing. Within a batch,
node upserts run before relationship upserts, and relationship deletes before node deletes, so links always
find their endpoints.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.dna import payloads
from apps.dna.graph import writes
from apps.dna.graph.connection import GraphUnavailable, mirror_enabled
from apps.dna.models import GraphOp, GraphOutbox, OutboxStatus
from apps.tenants import rls

logger = logging.getLogger(__name__)

DRAIN_LOCK = 0x646E_6167  # "dnag": one projector at a time, whatever tenant it was asked to drain
BATCH = 5_000  # events per round: one PostgreSQL read, a few UNWIND statements, one status update
APPLIED, SUPERSEDED, STALE, UNRESOLVED, OFF = "applied", "superseded", "stale", "unresolved", "off"


@dataclass
class ProjectionResult:
    events: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    busy: bool = False
    mirror_off: bool = False


def _graph_tenant(event: GraphOutbox) -> int:
    return payloads.ONTOLOGY_TENANT if event.tenant_id is None else event.tenant_id


def _latest_versions(events: list[GraphOutbox]) -> dict[tuple[str, int], int]:
    keys = sorted({(e.object_type, e.object_id) for e in events})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT o.object_type, o.object_id, max(o.id) FROM dna_graphoutbox o "
            "JOIN unnest(%s::text[], %s::bigint[]) AS k(t, i) ON o.object_type = k.t AND o.object_id = k.i "
            "GROUP BY 1, 2", [[k[0] for k in keys], [k[1] for k in keys]])
        return {(t, i): v for t, i, v in cursor.fetchall()}


def _rows(events: list[GraphOutbox]) -> list[dict]:
    return [{"tenant": _graph_tenant(e), "uid": e.object_id, "v": e.id, "payload": e.payload, "event": e.id}
            for e in events]


def _apply_upserts(groups: dict[tuple[str, str], list[dict]], outcome: dict[int, str]) -> None:
    for object_type in payloads.NODE_TYPES:
        rows = groups.get((object_type, GraphOp.UPSERT), [])
        if rows:
            applied = writes.upsert_nodes(object_type, writes.node_rows(object_type, rows))
            outcome.update({r["event"]: APPLIED if r["uid"] in applied else STALE for r in rows})
    for object_type in payloads.EDGE_TYPES:
        rows = groups.get((object_type, GraphOp.UPSERT), [])
        if rows:
            applied, missing = writes.upsert_edges(object_type, rows)
            outcome.update({r["event"]: UNRESOLVED if r["uid"] in missing else APPLIED if r["uid"] in applied
                            else STALE for r in rows})
    alerts = [r for r in groups.get((payloads.ALERT, GraphOp.UPSERT), []) if outcome[r["event"]] == APPLIED]
    if alerts:
        linked = writes.link_alerts(alerts)
        outcome.update({r["event"]: UNRESOLVED for r in alerts if r["uid"] not in linked})


def _apply_deletes(groups: dict[tuple[str, str], list[dict]], outcome: dict[int, str]) -> None:
    for object_type in payloads.EDGE_TYPES:
        rows = groups.get((object_type, GraphOp.DELETE), [])
        if rows:
            deleted = writes.delete_edges(object_type, rows)
            outcome.update({r["event"]: APPLIED if r["uid"] in deleted else STALE for r in rows})
    for object_type in payloads.NODE_TYPES:
        rows = groups.get((object_type, GraphOp.DELETE), [])
        if rows:
            deleted = writes.delete_nodes(object_type, rows)
            outcome.update({r["event"]: APPLIED if r["uid"] in deleted else STALE for r in rows})


def events_apply(events: list[GraphOutbox]) -> dict[int, str]:
    """Apply events to the graph; returns event id -> outcome. Safe to call with any events, in any state."""
    if not events:
        return {}
    writes.ensure_schema()
    latest = _latest_versions(events)
    outcome: dict[int, str] = {}
    current = []
    for event in events:
        if latest.get((event.object_type, event.object_id), event.id) > event.id:
            outcome[event.id] = SUPERSEDED
        else:
            current.append(event)
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row, event in zip(_rows(current), current, strict=True):
        groups[(event.object_type, event.op)].append(row)
    _apply_upserts(groups, outcome)
    _apply_deletes(groups, outcome)
    return outcome


def _mark(outcome: dict[int, str], status: str) -> None:
    ids = list(outcome)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dna_graphoutbox o SET status = %s, outcome = u.outcome, processed_at = %s, error = '' "
            "FROM unnest(%s::bigint[], %s::text[]) AS u(id, outcome) WHERE o.id = u.id",
            [status, timezone.now(), ids, [outcome[i] for i in ids]])


@contextmanager
def _drain_lock() -> Iterator[bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [DRAIN_LOCK])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [DRAIN_LOCK])


def _pending(tenant_id: int | None, limit: int) -> list[GraphOutbox]:
    qs = GraphOutbox.objects.filter(status=OutboxStatus.PENDING)
    if tenant_id is not None:
        qs = qs.filter(tenant_id=tenant_id)
    return list(qs.order_by("id")[:limit])


def _skip_all(tenant_id: int | None) -> int:
    qs = GraphOutbox.objects.filter(status=OutboxStatus.PENDING)
    if tenant_id is not None:
        qs = qs.filter(tenant_id=tenant_id)
    return qs.update(status=OutboxStatus.SKIPPED, outcome=OFF, processed_at=timezone.now())


def _record_failure(events: list[GraphOutbox], exc: Exception) -> None:
    GraphOutbox.objects.filter(pk__in=[e.pk for e in events]).update(
        attempts=F("attempts") + 1, error=str(exc)[:2000])


def graph_project(*, tenant_id: int | None = None, max_events: int = 200_000) -> ProjectionResult:
    """Drain pending outbox events (all tenants, or one) into Neo4j, oldest first, up to `max_events`.

    With the mirror off, pending events are marked skipped (reconcile rebuilds the graph once a server is
    configured). A second caller while one drains returns at once with `busy`. Raises GraphUnavailable (the task
    retries) after recording the error on the batch it could not write; nothing is marked done that was not
    written. Cost: one PostgreSQL read and update plus ~10 UNWIND statements per 5,000 events.
    """
    result = ProjectionResult()
    with rls.system_context(reason="projection drains one outbox for every tenant"):
        if not mirror_enabled():
            result.mirror_off, result.events = True, _skip_all(tenant_id)
            return result
        with _drain_lock() as acquired:
            if not acquired:
                result.busy = True
                return result
            while result.events < max_events:
                events = _pending(tenant_id, min(BATCH, max_events - result.events))
                if not events:
                    break
                try:
                    outcome = events_apply(events)
                except GraphUnavailable as exc:
                    _record_failure(events, exc)
                    raise
                with transaction.atomic():
                    _mark(outcome, OutboxStatus.DONE)
                result.events += len(events)
                for value in outcome.values():
                    result.outcomes[value] += 1
    if result.outcomes.get(UNRESOLVED):
        logger.warning("graph projection: %s events found no endpoints (run graph_reconcile)",
                       result.outcomes[UNRESOLVED])
    return result


def graph_event_replay(*, event_id: int) -> str:
    """Apply one stored event again, whatever its status (operators and tests); returns its outcome."""
    with rls.system_context(reason="an operator replays any tenant's event"):
        event = GraphOutbox.objects.get(pk=event_id)
        return events_apply([event])[event.id]
