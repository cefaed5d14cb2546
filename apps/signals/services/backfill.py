"""Late data: points at or before a stream's latest point, accepted up to SIGNALS_LATENESS_SECONDS before it.

The processor is a streaming state, and windows are counts of points, so one late point changes the score of
every point after it (the detector's counters and suppression see it first) and shifts every later window by one
point. A late batch therefore re-runs the processor from a stored checkpoint before its earliest point over the
stored points after it merged with the batch, in time order, and then writes the difference: the new points,
the stored points whose score, alarm or (categorical) surprisal changed, every window from the checkpoint's on
(replaced), and the alerts (see `_reconcile_alerts`). The result equals an in-order ingest of the same points.

Checkpoints are taken at the start of an in-order batch once CHECKPOINT_POINTS points have arrived since the
last one, and pruned to those inside the bound plus the newest one before it. So a late batch re-runs at most the
points inside the bound, plus up to max(CHECKPOINT_POINTS, one batch of MAX_POINTS) before it, plus the batch; it
holds the stream's row lock meanwhile, in the ingest's one transaction.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Max, Q
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.ops.services import audit_record
from apps.signals.batches import Row
from apps.signals.errors import SignalErrorCode
from apps.signals.models import (
    Alert,
    AlertKind,
    AlertStatus,
    Point,
    SignalWindow,
    Stream,
    StreamCheckpoint,
    StreamState,
)
from apps.signals.processing import ClosedWindow, ScoredPoint, StreamProcessor
from apps.signals.services.ingest import (
    IngestResult,
    _copy_points,
    _ensure_partitions,
    _loaded_processor,
    _window_row,
    run_processor,
)
from apps.signals.services.regimes import regimes_enqueue
from apps.signals.services.webhooks import deliveries_for_alerts
from apps.signals.state import processor_dumps

CHECKPOINT_POINTS = 1_000  # points between checkpoints: bounds a late batch's re-run beyond the lateness bound
WITHDRAWN_NOTE = "Withdrawn: late points were inserted before it and, recomputed, this point no longer alarms."

RESCORE_SQL = """
UPDATE signals_point AS p SET value = u.value, score = u.score, alarm = u.alarm
FROM unnest(%s::timestamptz[], %s::float8[], %s::float8[], %s::bool[]) AS u(ts, value, score, alarm)
WHERE p.tenant_id = %s AND p.stream_id = %s AND p.ts = u.ts
"""


def lateness() -> timedelta:
    return timedelta(seconds=settings.SIGNALS_LATENESS_SECONDS)


def late_earliest(stream: Stream) -> tuple[datetime | None, str]:
    """The earliest time a late point of `stream` may have, and the rule in words for the row error. Streams
    older than checkpoints (migration 0009) can reach back only to their oldest checkpoint."""
    last = stream.last_timestamp
    if last is None:
        return None, ""
    seconds = settings.SIGNALS_LATENESS_SECONDS
    earliest = last - lateness()
    rule = (f"late points are accepted up to SIGNALS_LATENESS_SECONDS = {seconds} s before the stream's latest point "
            f"({last.isoformat()}), so from {earliest.isoformat()} on")
    oldest = list(StreamCheckpoint.objects.filter(stream=stream).order_by("point_count")
                  .values_list("through_ts", flat=True)[:1])
    if not oldest:
        return None, ""
    if oldest[0] is not None and oldest[0] >= earliest:
        earliest = oldest[0] + timedelta(microseconds=1)
        rule = (f"late points are accepted after {oldest[0].isoformat()} only: the stream's oldest stored state "
                f"(the lateness bound is {seconds} s)")
    return earliest, rule


def checkpoint_maybe(stream: Stream, processor: StreamProcessor) -> None:
    """Before an in-order batch: store the processor as it is if CHECKPOINT_POINTS points came since the last."""
    latest = StreamCheckpoint.objects.filter(stream=stream).aggregate(n=Max("point_count"))["n"]
    if latest is None or stream.point_count - latest >= CHECKPOINT_POINTS:
        StreamCheckpoint.objects.create(tenant_id=stream.tenant_id, stream=stream, through_ts=stream.last_timestamp,
                                        point_count=stream.point_count, window_index=processor.window_index,
                                        blob=processor_dumps(processor))


def checkpoints_prune(stream: Stream) -> None:
    """Keeps the checkpoints inside the lateness bound and the newest one before it (a late point at the bound
    re-runs from that one)."""
    assert stream.last_timestamp is not None  # called after a batch was stored
    older = StreamCheckpoint.objects.filter(stream=stream).filter(
        Q(through_ts__isnull=True) | Q(through_ts__lt=stream.last_timestamp - lateness()))
    keep = older.order_by("-point_count").values_list("pk", flat=True).first()
    if keep is not None:
        older.exclude(pk=keep).delete()


def _refuse_duplicates(stream: Stream, rows: list[Row]) -> None:
    """A late point at the time of a stored one is refused, not merged: a point is never silently replaced."""
    assert stream.last_timestamp is not None
    late = [r.ts for r in rows if r.ts <= stream.last_timestamp]
    taken = set(Point.objects.filter(tenant_id=stream.tenant_id, stream_id=stream.pk, ts__in=late)
                .values_list("ts", flat=True))
    errors = [{"index": i, "field": "t", "message": "a point at this timestamp is already stored; late points must "
               "be new (duplicates are refused)"} for i, r in enumerate(rows) if r.ts in taken]
    if errors:
        raise ApplicationError(f"{len(errors)} invalid row(s); nothing was stored.",
                               code=SignalErrorCode.INVALID_ROWS, extra={"rows": errors})


def _rescore(stream: Stream, points: list[ScoredPoint]) -> None:
    if not points:
        return
    with connection.cursor() as cursor:
        cursor.execute(RESCORE_SQL, [[p.ts for p in points], [p.value for p in points], [p.score for p in points],
                                     [p.alarm for p in points], stream.tenant_id, stream.pk])


def _reconcile_alerts(stream: Stream, raised: list[Alert], since: datetime | None) -> tuple[list[Alert], list[Alert]]:
    """(created, withdrawn). An anomaly alert already stored at a point that still alarms stands as it is (its
    status and webhooks are history); a recomputed alarm without one gets a new alert; a stored alert whose point
    no longer alarms is resolved with WITHDRAWN_NOTE (it stays listed; acknowledged ones too)."""
    stored = Alert.objects.select_for_update().filter(tenant_id=stream.tenant_id, stream=stream,
                                                      kind=AlertKind.ANOMALY).order_by("pk")
    if since is not None:
        stored = stored.filter(ts__gt=since)
    by_ts = {a.ts: a for a in stored}
    alarm_times = {a.ts for a in raised}
    now = timezone.now()
    withdrawn = [a for a in by_ts.values() if a.ts not in alarm_times and a.status != AlertStatus.RESOLVED]
    for alert in withdrawn:
        alert.status, alert.resolved_at, alert.updated_at = AlertStatus.RESOLVED, now, now
        alert.note = (alert.note + "\n" + WITHDRAWN_NOTE).strip()
    Alert.objects.bulk_update(withdrawn, ["status", "resolved_at", "note", "updated_at"])
    return Alert.objects.bulk_create([a for a in raised if a.ts not in by_ts]), withdrawn


@dataclass
class _Replay:
    base: StreamCheckpoint
    processor: StreamProcessor
    before: dict[datetime, tuple[float, str, float, bool]]  # stored points after the base: value, symbol, score, alarm
    scored: list[ScoredPoint]
    closed: list[ClosedWindow]
    raised: list[Alert]


def _replay(actor: Actor, stream: Stream, rows: list[Row]) -> _Replay:
    """Re-runs the processor from the newest checkpoint before `rows` over the stored points after it and `rows`,
    merged in time order."""
    base = (StreamCheckpoint.objects.filter(stream=stream)
            .filter(Q(through_ts__isnull=True) | Q(through_ts__lt=rows[0].ts)).order_by("-point_count").first())
    assert base is not None  # late_earliest admits only points after the oldest checkpoint
    processor = _loaded_processor(actor, stream, base.blob)
    stored = Point.objects.filter(tenant_id=stream.tenant_id, stream_id=stream.pk)
    if base.through_ts is not None:
        stored = stored.filter(ts__gt=base.through_ts)
    before = {ts: (value, symbol, score, alarm) for ts, value, symbol, score, alarm
              in stored.values_list("ts", "value", "symbol", "score", "alarm")}
    merged = sorted([Row(ts, v[0], v[1]) for ts, v in before.items()] + rows, key=lambda r: r.ts)
    return _Replay(base, processor, before, *run_processor(stream, processor, merged))


def late_points_apply(*, actor: Actor, stream: Stream, state: StreamState, rows: list[Row],
                      started: float) -> IngestResult:
    """Inside points_ingest's transaction, with the stream and its state locked: stores a batch that reaches back
    before the stream's latest point and recomputes everything after its checkpoint (module docstring)."""
    _refuse_duplicates(stream, rows)
    replay = _replay(actor, stream, rows)
    base, processor, before, scored, closed = (replay.base, replay.processor, replay.before, replay.scored,
                                               replay.closed)
    decision_ms = 1000 * (time.perf_counter() - started)
    _ensure_partitions(rows)
    _copy_points(stream, [p for p in scored if p.ts not in before])
    _rescore(stream, [p for p in scored if p.ts in before and before[p.ts] != (p.value, p.symbol, p.score, p.alarm)])
    SignalWindow.objects.filter(stream=stream, index__gte=base.window_index).delete()
    SignalWindow.objects.bulk_create([_window_row(stream, w) for w in closed])
    created, withdrawn = _reconcile_alerts(stream, replay.raised, base.through_ts)
    deliveries_for_alerts(tenant_id=stream.tenant_id, alerts=created)
    regimes_enqueue(stream.pk, windows_closed=bool(closed))
    StreamCheckpoint.objects.filter(stream=stream, point_count__gt=base.point_count).delete()  # lack the late points
    state.blob = processor_dumps(processor)
    state.save(update_fields=["blob", "updated_at"])
    stream.point_count += len(rows)
    stream.last_timestamp, stream.last_score = scored[-1].ts, scored[-1].score
    stream.save(update_fields=["point_count", "last_timestamp", "last_score", "updated_at"])
    checkpoints_prune(stream)
    audit_record(actor=actor, action="stream.late_points", obj=stream, tenant_id=stream.tenant_id,
                 after={"points": len(rows), "earliest": rows[0].ts.isoformat(), "rescored": len(before),
                        "windows_from": base.window_index, "windows": len(closed),
                        "alerts_created": [a.pk for a in created], "alerts_withdrawn": [a.pk for a in withdrawn]})
    new = {r.ts for r in rows}
    return IngestResult(accepted=len(rows), alarms=sum(p.alarm for p in scored if p.ts in new),
                        alerts=[a.pk for a in created], windows=len(closed), last_score=scored[-1].score,
                        decision_ms=decision_ms)
