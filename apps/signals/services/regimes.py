"""A stream's regimes: where its generating process changed (level, variance, slope, seasonal shape, rate).

Two paths, both over kernels.changepoint:
- Streaming: a BoundaryTracker per stream (kernels/changepoint/tracker.py, configured by the template the stream
  came from, else the defaults), fed each stored point in time order by a task queued when a batch commits (under
  the lock on the stream's RegimeState row, off the ingest request: the detector costs far more per point than
  the anomaly scorer). Its candidate boundaries are checked once the new regime has lasted, and each that holds
  raises one "regime change" alert carrying the change in words and numbers and its detection delay (at most the
  tracker's delay_bound points). The state is JSON in RegimeState, never pickle.
- Offline: `segment()` over the latest HORIZON_POINTS points, refreshed by a task shortly after windows close;
  the segments replace the stream's stored ones whole and feed the regime view and the regimes API.

How anomalies and regime changes combine: an anomaly is a spike inside a regime, a regime change is a boundary.
The anomaly detector often alarms on a boundary's first points, before the change is confirmed. When a boundary
is confirmed, the anomaly alerts from BOUNDARY_MARGIN points before its estimated start up to the confirming point
are labelled with the regime alert (Alert.regime_alert): they were that boundary seen early, so they are shown
under it and not counted as incidents of their own. Anomalies elsewhere stay anomalies, and the offline
segmentation treats their points as missing, so a spike never becomes a regime of its own.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from apps.core.json_values import json_safe
from apps.signals.models import (
    Alert,
    AlertKind,
    Point,
    RegimeSegment,
    RegimeState,
    Stream,
)
from apps.signals.services.webhooks import deliveries_for_alerts
from apps.signals.severity import SeverityEvidence, severity_evidence_json, severity_label
from kernels.changepoint import ChangePoint, Segmentation, segment
from kernels.changepoint.tracker import BoundaryTracker, TrackerConfig

HORIZON_POINTS = 5_000  # the latest points the stored segmentation covers (charts show 2,000)
REFRESH_DELAY_S = 10  # batches arriving within this share one offline refresh (later tasks find it fresh)
TRACK_BATCH = 5_000  # points one tracking run feeds (~0.5 ms/point: a few seconds under one row lock)


@dataclass
class RegimeTracker:
    """The stream's BoundaryTracker (kernels/changepoint/tracker.py: the online detector's candidates, checked
    once the new regime has lasted) loaded from and saved to its locked RegimeState row."""

    state: RegimeState
    tracker: BoundaryTracker

    @classmethod
    def load(cls, stream: Stream) -> RegimeTracker:
        """Locks the stream's regime state (created on first use for streams older than this feature)."""
        state, _ = RegimeState.objects.select_for_update().get_or_create(
            stream=stream, defaults={"tenant_id": stream.tenant_id})
        return cls(state=state, tracker=BoundaryTracker.from_state(state.detector))

    def observe(self, stream: Stream, ts: datetime, value: float) -> list[Alert]:
        """Feeds one point; returns the unsaved regime-change alerts it confirms (almost always none)."""
        return [regime_alert_build(stream, found.change, index=found.index, confirmed_at=ts, delay=found.delay,
                                   start_seconds=found.start_seconds, margin_seconds=found.margin_seconds,
                                   delay_bound=self.tracker.delay_bound)
                for found in self.tracker.observe(ts.timestamp(), float(value))]

    def save(self) -> None:
        self.state.detector = self.tracker.state_dict()
        self.state.save(update_fields=["detector", "tracked_through", "updated_at"])


def stream_regime_configure_in_transaction(*, stream: Stream, changepoint: dict[str, Any]) -> RegimeState:
    """Sets a stream's change-point settings (a template's `changepoint` block, already validated) before any
    point is tracked: later points are fed to a tracker built with them. Callers hold the stream's lock."""
    config = TrackerConfig.from_dict(changepoint)
    state, _ = RegimeState.objects.select_for_update().get_or_create(
        stream=stream, defaults={"tenant_id": stream.tenant_id})
    state.detector = BoundaryTracker.new(config).state_dict() if state.tracked_through is None else {
        **state.detector, "config": asdict(config)}
    state.save(update_fields=["detector", "updated_at"])
    return state


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def regime_severity_evidence(change: ChangePoint, *, delay: int, history: int) -> SeverityEvidence:
    """The anomaly severity scale (apps/signals/severity.py) read for a boundary: size is the level change in the
    old regime's standard deviations, or a variance change at 3σ per factor 4 (x4 ~ 3σ, x16 ~ 6σ); duration is
    the new regime's points seen when confirmed; rarity is the confidence's complement, the chance the boundary
    is not real; history is the stream's points before the boundary."""
    stats = change.stats
    sigma = abs(stats.get("level_sigma") or 0.0)
    ratio = stats.get("variance_ratio") or 1.0
    ratio_sigma = 1.5 * abs(math.log2(ratio)) if ratio > 0 and math.isfinite(ratio) else 0.0
    doubt = max(1.0 - float(change.confidence), 1e-12)
    return SeverityEvidence(rarity_decades=-math.log10(doubt), size_sigma=max(sigma, ratio_sigma),
                            duration_points=delay, history_points=history)


def regime_alert_build(stream: Stream, change: ChangePoint, *, index: int, confirmed_at: datetime, delay: int,
                       start_seconds: float, margin_seconds: float, delay_bound: int) -> Alert:
    """`index` counts the stream's points (the boundary's); `change` carries the words and numbers."""
    start = min(_utc(start_seconds), confirmed_at)  # the check's change point, placed at the detector's boundary
    delay_s = (confirmed_at - start).total_seconds()
    text = (f"Regime change ({change.kind}): {change.summary}, starting {start:%Y-%m-%d %H:%M:%S} UTC; confirmed "
            f"{delay} point{'s' if delay != 1 else ''} ({delay_s:.0f} s) later, confidence {change.confidence:.2f}.")
    graded = regime_severity_evidence(change, delay=delay, history=index)
    evidence = json_safe({"alert_kind": AlertKind.REGIME_CHANGE.value, "change_kind": change.kind,
                       "summary": change.summary, "stats": dict(change.stats), "confidence": change.confidence,
                       "gain": change.gain, "boundary_index": index, "delay_points": delay,
                       "delay_seconds": delay_s, "delay_bound": delay_bound,
                       "severity": severity_evidence_json(graded)})
    return Alert(tenant_id=stream.tenant_id, stream=stream, kind=AlertKind.REGIME_CHANGE, ts=start,
                 score=float(change.confidence), severity=severity_label(graded), explanation=text,
                 evidence=evidence, window_start=min(_utc(margin_seconds), start), window_end=confirmed_at,
                 delay_points=delay)


def boundary_anomalies_label(alerts: list[Alert]) -> int:
    """After the batch's alerts are saved: anomaly alerts inside a confirmed boundary's margin (this batch's or
    earlier ones) are labelled with it, so one change is one incident."""
    labelled = 0
    for alert in alerts:
        if alert.kind == AlertKind.REGIME_CHANGE:
            labelled += Alert.objects.filter(
                tenant_id=alert.tenant_id, stream_id=alert.stream_id, kind=AlertKind.ANOMALY,
                regime_alert__isnull=True, ts__gte=alert.window_start, ts__lte=alert.window_end,
            ).update(regime_alert=alert, updated_at=timezone.now())
    return labelled


def regimes_enqueue(stream_id: int, *, windows_closed: bool) -> None:
    """After the ingest commits: track the new points now, re-segment shortly after windows closed. A lost
    message only delays: the next batch's tracking resumes after the last point tracked."""
    from apps.signals.tasks import stream_regimes_refresh, stream_regimes_track

    transaction.on_commit(lambda: stream_regimes_track.delay(stream_id), robust=True)
    if windows_closed:
        transaction.on_commit(lambda: stream_regimes_refresh.apply_async((stream_id,), countdown=REFRESH_DELAY_S),
                              robust=True)


def stream_regimes_track(*, stream_id: int) -> int:
    """Task entry point (system context): feeds the points stored since the last run to the stream's detector,
    in time order, and opens the regime-change alerts it confirms (with their webhooks, after commit). Runs off
    the ingest request because the detector costs far more per point than the anomaly scorer. Returns the
    number of alerts opened; a backlog beyond TRACK_BATCH points continues in a new task."""
    with transaction.atomic(durable=True):
        stream = Stream.objects.get(pk=stream_id)
        tracker = RegimeTracker.load(stream)
        points = Point.objects.filter(tenant_id=stream.tenant_id, stream_id=stream.pk)
        if tracker.state.tracked_through is not None:
            points = points.filter(ts__gt=tracker.state.tracked_through)
        rows = list(points.order_by("ts").values_list("ts", "value")[:TRACK_BATCH])
        if not rows:
            return 0
        alerts = [alert for ts, value in rows for alert in tracker.observe(stream, ts, value)]
        alerts = Alert.objects.bulk_create(alerts)
        boundary_anomalies_label(alerts)
        deliveries_for_alerts(tenant_id=stream.tenant_id, alerts=alerts)
        tracker.state.tracked_through = rows[-1][0]
        tracker.save()
    if len(rows) == TRACK_BATCH:
        regimes_enqueue(stream_id, windows_closed=False)
    return len(alerts)


def _segment_rows(stream: Stream, result: Segmentation, stamps: list[datetime]) -> list[RegimeSegment]:
    changes = {cp.index: cp for cp in result.change_points}
    rows = []
    for s in result.segments:
        cp = changes.get(s.start)
        rows.append(RegimeSegment(
            tenant_id=stream.tenant_id, stream=stream, start_ts=stamps[s.start], end_ts=stamps[s.end - 1],
            count=s.end - s.start, n=s.n, mean=json_safe(s.mean), scale=json_safe(s.scale), slope=json_safe(s.slope),
            features=json_safe(dict(s.features)), model=result.model, change_kind=cp.kind if cp else "",
            change_summary=(cp.summary if cp else "")[:300], change_stats=json_safe(dict(cp.stats)) if cp else {},
            confidence=json_safe(cp.confidence) if cp else None))
    return rows


def _latest_points(stream: Stream) -> tuple[list[datetime], np.ndarray]:
    """The horizon's times and values, with the points of anomaly alarms that no regime change explains masked
    as missing: spikes lie inside a regime and must not become regimes of their own (the kernel would isolate
    a large one), while alarms at a confirmed boundary are that boundary and stay."""
    rows = list(Point.objects.filter(tenant_id=stream.tenant_id, stream_id=stream.pk).order_by("-ts")
                .values_list("ts", "value", "alarm")[:HORIZON_POINTS])[::-1]
    if not rows:
        return [], np.zeros(0)
    boundaries = list(Alert.objects.filter(stream=stream, kind=AlertKind.REGIME_CHANGE, window_end__gte=rows[0][0])
                      .values_list("window_start", "window_end"))
    values = np.array([math.nan if alarm and not any(a <= ts <= b for a, b in boundaries) else value
                       for ts, value, alarm in rows], dtype=np.float64)
    return [ts for ts, _, _ in rows], values


def stream_regimes_refresh(*, stream_id: int) -> int:
    """Task entry point (system context): segments the latest HORIZON_POINTS points and replaces the stream's
    stored segments. The kernel runs outside any transaction; the swap happens under the regime-state lock and
    only if no newer segmentation was stored meanwhile. Returns the number of segments stored (0: skipped)."""
    stream = Stream.objects.get(pk=stream_id)
    state = RegimeState.objects.filter(stream=stream).first()
    if stream.last_timestamp is None or (state and state.segmented_through
                                         and state.segmented_through >= stream.last_timestamp):
        return 0
    stamps, values = _latest_points(stream)
    if not stamps or not np.isfinite(values).any():
        return 0
    result = segment(values, np.array([t.timestamp() for t in stamps]))
    with transaction.atomic(durable=True):
        state, _ = RegimeState.objects.select_for_update().get_or_create(
            stream=stream, defaults={"tenant_id": stream.tenant_id})
        if state.segmented_through and state.segmented_through >= stamps[-1]:
            return 0
        RegimeSegment.objects.filter(stream=stream).delete()
        rows = RegimeSegment.objects.bulk_create(_segment_rows(stream, result, stamps))
        state.segmented_through, state.segmented_at = stamps[-1], timezone.now()
        state.segmentation = json_safe({"model": result.model, "penalty": result.penalty, "period": result.period,
                                     "points": len(stamps), "horizon_points": HORIZON_POINTS,
                                     "first_ts": stamps[0].isoformat()})
        state.save(update_fields=["segmented_through", "segmented_at", "segmentation", "updated_at"])
    return len(rows)
