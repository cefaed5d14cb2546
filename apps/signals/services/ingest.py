from __future__ import annotations

import time
from dataclasses import dataclass

import psycopg
from django.db import connection, transaction
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.json_values import json_safe
from apps.core.selectors import get_or_not_found
from apps.ops.services import audit_record
from apps.signals.batches import Row, parse_batch
from apps.signals.models import Alert, SignalWindow, Stream, StreamState
from apps.signals.processing import ClosedWindow, ScoredPoint, StreamProcessor, renewed
from apps.signals.services.regimes import regimes_enqueue
from apps.signals.services.webhooks import deliveries_for_alerts
from apps.signals.severity import SeverityEvidence, severity_evidence_json, severity_label
from apps.signals.state import processor_dumps, processor_loads
from apps.tenants import rls
from apps.tenants.models import Tenant
from kernels.signal_compiler.types import SIGNAL_NAMES


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    alarms: int
    alerts: list[int]
    windows: int
    last_score: float
    decision_ms: float


def _ensure_partitions(rows: list[Row]) -> None:
    """One cheap catalogue lookup per month in the batch. Not cached in memory: a rolled-back batch also rolls
    back the partitions it created, and a cache would then point at tables that do not exist."""
    months = sorted({f"{r.ts.year:04d}-{r.ts.month:02d}-01" for r in rows})
    with connection.cursor() as cursor:
        cursor.execute("SELECT signals_ensure_partition(m::date) FROM unnest(%s::text[]) AS m", [months])


def _copy_points(stream: Stream, points: list[ScoredPoint]) -> None:
    connection.ensure_connection()
    # PostgreSQL refuses COPY FROM under row-level security, so the copy runs in the system context; every row's
    # tenant is the stream's, and the stream was loaded through the caller's tenant scope.
    copy_sql = "COPY signals_point (stream_id, tenant_id, ts, value, symbol, score, alarm) FROM STDIN"
    with rls.system_context(reason="COPY FROM under RLS"), psycopg.Cursor(connection.connection) as cursor:
        with cursor.copy(copy_sql) as copy:
            for p in points:
                copy.write_row((stream.pk, stream.tenant_id, p.ts, p.value, p.symbol, p.score, p.alarm))


def _window_row(stream: Stream, w: ClosedWindow) -> SignalWindow:
    r = json_safe({name: float(getattr(w.row, name)) for name in SIGNAL_NAMES})
    return SignalWindow(tenant_id=stream.tenant_id, stream=stream, index=w.index, start_ts=w.start_ts,
                        end_ts=w.end_ts, count=w.count, mean=w.row.mean, minimum=w.minimum, maximum=w.maximum,
                        energy=r["energy"], temperature=r["temperature"], entropy=r["entropy"],
                        entropy_rate=r["entropy_rate"], free_energy=r["free_energy"],
                        entropy_production=r["production"], max_score=w.max_score, valid=not w.flags, flags=w.flags,
                        vector=json_safe(w.vector))


def _alert(stream: Stream, point: ScoredPoint, processor: StreamProcessor) -> Alert:
    text, evidence = processor.explain_alarm(point, stream.units)
    start = processor.recent[0].ts
    graded = point.severity or SeverityEvidence(0.0, 0.0, 0, 0)
    evidence["severity"] = severity_evidence_json(graded)
    return Alert(tenant_id=stream.tenant_id, stream=stream, ts=point.ts, score=point.score,
                 severity=severity_label(graded), explanation=text, evidence=json_safe(evidence),
                 window_start=start, window_end=point.ts)


def _loaded_processor(actor: Actor, stream: Stream, blob: bytes | memoryview) -> StreamProcessor:
    """The processor stored in `blob`; one poisoned by an out-of-domain value that an older release accepted starts
    over with the same configuration (audited), so the stream recovers instead of failing every batch."""
    processor = processor_loads(blob)
    if not processor.poisoned():
        return processor
    audit_record(actor=actor, action="stream.state_reset", obj=stream, tenant_id=stream.tenant_id,
                 after={"reason": "non-finite or out-of-domain numbers in the stored detector state"})
    return renewed(processor)


def run_processor(stream: Stream, processor: StreamProcessor,
                  rows: list[Row]) -> tuple[list[ScoredPoint], list[ClosedWindow], list[Alert]]:
    """Scores `rows` in order: the scored points, the windows they close and the (unsaved) alerts they raise."""
    scored, closed, alerts = [], [], []
    for row in rows:
        point, window = processor.process(row.ts, row.value, row.symbol)
        scored.append(point)
        if point.alarm:
            alerts.append(_alert(stream, point, processor))
        if window is not None:
            closed.append(window)
    return scored, closed, alerts


@transaction.atomic(durable=True)
def points_ingest(*, actor: Actor, tenant: Tenant, stream_id: int, points: list[object]) -> IngestResult:
    """The ingest entry point (API, tasks): its own transaction; see points_ingest_in_transaction."""
    return points_ingest_in_transaction(actor=actor, tenant=tenant, stream_id=stream_id, points=points)


@transaction.atomic
def points_ingest_in_transaction(*, actor: Actor, tenant: Tenant, stream_id: int,
                                 points: list[object]) -> IngestResult:
    """Validates a batch (all-or-nothing, row-level errors), scores every point in order, stores points, closed
    windows and alerts, and queues signed webhooks after commit. One stream's batches are serialised by the lock
    on its state row. A batch reaching back before the stream's latest point (late data, within
    SIGNALS_LATENESS_SECONDS) is inserted in time order and what follows it recomputed: services/backfill.py."""
    from apps.signals.services import backfill  # imported here: backfill builds on this module's helpers

    started = time.perf_counter()
    stream = get_or_not_found(Stream.objects.select_for_update().filter(tenant=tenant), "No such stream.", pk=stream_id)
    state = StreamState.objects.select_for_update().get(stream=stream)
    earliest, late_rule = backfill.late_earliest(stream)
    rows = parse_batch(points, categorical=stream.kind == "categorical", last_ts=stream.last_timestamp,
                       now=timezone.now(), earliest=earliest, late_rule=late_rule)
    if stream.last_timestamp is not None and rows[0].ts <= stream.last_timestamp:
        return backfill.late_points_apply(actor=actor, stream=stream, state=state, rows=rows, started=started)
    processor = _loaded_processor(actor, stream, state.blob)
    backfill.checkpoint_maybe(stream, processor)
    scored, closed, alerts = run_processor(stream, processor, rows)
    decision_ms = 1000 * (time.perf_counter() - started)
    _ensure_partitions(rows)
    _copy_points(stream, scored)
    SignalWindow.objects.bulk_create([_window_row(stream, w) for w in closed])
    alerts = Alert.objects.bulk_create(alerts)
    deliveries_for_alerts(tenant_id=tenant.pk, alerts=alerts)
    regimes_enqueue(stream.pk, windows_closed=bool(closed))
    state.blob = processor_dumps(processor)
    state.save(update_fields=["blob", "updated_at"])
    stream.point_count += len(scored)
    stream.last_timestamp, stream.last_score = scored[-1].ts, scored[-1].score
    stream.save(update_fields=["point_count", "last_timestamp", "last_score", "updated_at"])
    backfill.checkpoints_prune(stream)
    return IngestResult(accepted=len(scored), alarms=sum(p.alarm for p in scored), alerts=[a.pk for a in alerts],
                        windows=len(closed), last_score=scored[-1].score, decision_ms=decision_ms)
