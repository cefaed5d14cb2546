"""A stream's regimes: where its generating process changed (level, variance, slope, seasonal shape, rate).

Two paths, both over kernels.changepoint:
- Streaming: an OnlineDetector per stream, fed every point inside the ingest transaction (so a stream's points
  reach it strictly in order, under the lock on its state row). When it confirms a change it raises one "regime
  change" alert carrying the change in words and numbers and its detection delay (points of the new regime seen
  when confirmed; the kernel bounds it by `delay_bound`). Its state is JSON in RegimeState, never pickle.
- Offline: `segment()` over the latest HORIZON_POINTS points, refreshed by a task shortly after windows close;
  the segments replace the stream's stored ones whole and feed the regime view and the regimes API.

How anomalies and regime changes combine: an anomaly is a spike inside a regime, a regime change is a boundary.
The anomaly detector often alarms on a boundary's first points, before the change is confirmed. When a boundary
is confirmed, the anomaly alerts from BOUNDARY_MARGIN points before its estimated start up to the confirming point
are labelled with the regime alert (Alert.regime_alert): they were that boundary seen early, so they are shown
under it and not counted as incidents of their own. Anomalies elsewhere stay anomalies.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone as dt_timezone
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from apps.signals.models import Alert, AlertKind, Point, RegimeSegment, RegimeState, Stream
from kernels.changepoint import ChangePoint, OnlineDetector, Segmentation, segment

HORIZON_POINTS = 5_000  # the latest points the stored segmentation covers (~0.1 s of PELT; charts show 2,000)
BOUNDARY_MARGIN = 5  # points before a boundary's estimated start whose anomaly alarms belong to that boundary
REFRESH_DELAY_S = 10  # batches arriving within this share one offline refresh (later tasks find it fresh)
MAX_RING = 1_100  # bound on the timestamps kept to date a confirmed boundary (delay bound + margin, capped)


def finite(value: Any) -> Any:
    """JSON-safe: PostgreSQL's jsonb refuses NaN and infinities, so they are stored as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


@dataclass
class RegimeTracker:
    """The streaming detector of one stream plus the timestamps of its latest points (to date a boundary that is
    confirmed some points after it started)."""

    state: RegimeState
    detector: OnlineDetector
    seen: int = 0
    ring: deque[float] = field(default_factory=deque)

    @classmethod
    def load(cls, stream: Stream) -> "RegimeTracker":
        """Locks the stream's regime state (created on first use for streams older than this feature)."""
        state, _ = RegimeState.objects.select_for_update().get_or_create(
            stream=stream, defaults={"tenant_id": stream.tenant_id})
        saved = state.detector or {}
        detector = OnlineDetector.from_state(saved["detector"]) if "detector" in saved else OnlineDetector()
        size = min(detector.delay_bound + BOUNDARY_MARGIN + 1, MAX_RING)
        return cls(state=state, detector=detector, seen=int(saved.get("seen", 0)),
                   ring=deque(saved.get("ring", []), maxlen=size))

    def observe(self, stream: Stream, ts: datetime, value: float) -> Alert | None:
        """Feeds one point; returns an unsaved regime-change alert when this point confirms a boundary."""
        seconds = ts.timestamp()
        change = self.detector.update(float(value), seconds)
        self.seen += 1
        self.ring.append(seconds)
        if change is None:
            return None
        return regime_alert_build(stream, change, confirmed_at=ts, delay=max(self.seen - change.index, 0),
                                  start_seconds=self._seconds_at(change.index, change.t),
                                  margin_seconds=self._seconds_at(change.index - BOUNDARY_MARGIN, None),
                                  delay_bound=self.detector.delay_bound)

    def _seconds_at(self, index: int, fallback: float | None) -> float:
        first = self.seen - len(self.ring)
        if first <= index < self.seen:
            return self.ring[index - first]
        return fallback if fallback is not None else self.ring[0]

    def save(self) -> None:
        self.state.detector = {"detector": self.detector.state_dict(), "seen": self.seen, "ring": list(self.ring)}
        self.state.save(update_fields=["detector", "updated_at"])


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=dt_timezone.utc)


def regime_severity(change: ChangePoint) -> str:
    """By the size of the change, not the confidence: a confirmed change is certain enough to alert on; how much
    it matters is how far the new regime lies from the old one."""
    stats = change.stats
    sigma = abs(stats.get("level_sigma") or 0.0)
    ratio = stats.get("variance_ratio") or 1.0
    ratio = max(ratio, 1 / ratio) if ratio > 0 else 1.0
    if sigma >= 6 or ratio >= 16:
        return "high"
    if sigma >= 3 or ratio >= 4 or change.kind in ("slope", "seasonal"):
        return "medium"
    return "low"


def regime_alert_build(stream: Stream, change: ChangePoint, *, confirmed_at: datetime, delay: int,
                       start_seconds: float, margin_seconds: float, delay_bound: int) -> Alert:
    start = min(_utc(start_seconds), confirmed_at)
    delay_s = (confirmed_at - start).total_seconds()
    text = (f"Regime change ({change.kind}): {change.summary}, starting {start:%Y-%m-%d %H:%M:%S} UTC; confirmed "
            f"{delay} point{'s' if delay != 1 else ''} ({delay_s:.0f} s) later, confidence {change.confidence:.2f}.")
    evidence = finite({"alert_kind": AlertKind.REGIME_CHANGE.value, "change_kind": change.kind,
                       "summary": change.summary, "stats": dict(change.stats), "confidence": change.confidence,
                       "gain": change.gain, "boundary_index": change.index, "delay_points": delay,
                       "delay_seconds": delay_s, "delay_bound": delay_bound})
    return Alert(tenant_id=stream.tenant_id, stream=stream, kind=AlertKind.REGIME_CHANGE, ts=start,
                 score=float(change.confidence), severity=regime_severity(change), explanation=text,
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


def regimes_refresh_enqueue(stream_id: int) -> None:
    """After commit; a lost message only delays the regime view until the next batch closes a window."""
    from apps.signals.tasks import stream_regimes_refresh as task

    transaction.on_commit(lambda: task.apply_async((stream_id,), countdown=REFRESH_DELAY_S), robust=True)


def _segment_rows(stream: Stream, result: Segmentation, stamps: list[datetime]) -> list[RegimeSegment]:
    changes = {cp.index: cp for cp in result.change_points}
    rows = []
    for s in result.segments:
        cp = changes.get(s.start)
        rows.append(RegimeSegment(
            tenant_id=stream.tenant_id, stream=stream, start_ts=stamps[s.start], end_ts=stamps[s.end - 1],
            count=s.end - s.start, n=s.n, mean=finite(s.mean), scale=finite(s.scale), slope=finite(s.slope),
            features=finite(dict(s.features)), model=result.model, change_kind=cp.kind if cp else "",
            change_summary=(cp.summary if cp else "")[:300], change_stats=finite(dict(cp.stats)) if cp else {},
            confidence=finite(cp.confidence) if cp else None))
    return rows


def _latest_points(stream: Stream) -> tuple[list[datetime], np.ndarray]:
    rows = list(Point.objects.filter(tenant_id=stream.tenant_id, stream_id=stream.pk).order_by("-ts")
                .values_list("ts", "value")[:HORIZON_POINTS])[::-1]
    return [ts for ts, _ in rows], np.array([v for _, v in rows], dtype=np.float64)


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
    if not stamps:
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
        state.segmentation = finite({"model": result.model, "penalty": result.penalty, "period": result.period,
                                     "points": len(stamps), "horizon_points": HORIZON_POINTS,
                                     "first_ts": stamps[0].isoformat()})
        state.save(update_fields=["segmented_through", "segmented_at", "segmentation", "updated_at"])
    return len(rows)
