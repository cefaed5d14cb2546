"""The charts of a stream page over one time range: value and regime score from the points, energy and entropy
from the signal windows, each read as min/max per time bucket (so a year of points costs as much as a day), with
the range's alerts marked on every chart and its regimes shaded on the value chart."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apps.portal.pages.regimes import RegimeView
from apps.portal.pages.stream_range import ChartRange
from apps.signals import selectors
from apps.signals.models import Alert, AlertKind, Stream
from apps.signals.selectors import Bucket
from apps.tenants.models import Tenant

BUCKETS = 1000  # about one per horizontal pixel of a desktop chart; a phone's canvas is narrower still
MARKED_ALERTS = 500  # alerts marked on the charts, oldest first; the tables below list them too


@dataclass(frozen=True)
class StreamCharts:
    specs: dict[str, dict[str, Any]]  # chart name → the JSON charts.js draws
    points: int  # rows in the range (points, windows) and whether either chart was down-sampled
    windows: int
    downsampled: bool
    bucket_width: timedelta
    buckets: int = BUCKETS

    @property
    def bucket_label(self) -> str:
        seconds = self.bucket_width.total_seconds()
        for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
            if seconds >= size:
                return f"{seconds / size:.3g} {unit}"
        return f"{seconds:.3g} s"


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _series(buckets: list[Bucket], k: int) -> list[list[float]]:
    """[t, v] where a bucket holds one value, else [t, min, max] (charts.js draws the pair as a vertical stroke);
    buckets where the field is null throughout are skipped, not drawn as 0."""
    out: list[list[float]] = []
    for b in buckets:
        low, high = b.lows[k], b.highs[k]
        if low is None or high is None:
            continue
        out.append([_ms(b.first), low] if low == high else [_ms(b.first), low, high])
    return out


def _alert_marks(alerts: Sequence[Alert]) -> list[list[Any]]:
    # [ms, kind, tooltip]: charts.js draws anomalies and regime changes in different marks.
    return [[_ms(a.ts), a.kind, f"{a.get_kind_display()} · {a.get_severity_display()} · "
                                f"{a.ts:%Y-%m-%d %H:%M:%S} UTC · {a.explanation[:160]}"] for a in alerts]


def range_alerts(*, tenant: Tenant, stream: Stream, chosen: ChartRange) -> list[Alert]:
    return list(selectors.alert_list(tenant=tenant, stream_id=stream.pk)
                .filter(ts__gte=chosen.start, ts__lte=chosen.end).order_by("ts", "id")[:MARKED_ALERTS])


def stream_charts(*, tenant: Tenant, stream: Stream, chosen: ChartRange, alerts: Sequence[Alert],
                  regimes: RegimeView) -> StreamCharts:
    # The selectors' ranges are half-open; the chart's end is its last instant, so one microsecond past it.
    end = chosen.end + timedelta(microseconds=1)
    points = selectors.point_buckets(tenant=tenant, stream_id=stream.pk, start=chosen.start, end=end, buckets=BUCKETS)
    windows = selectors.window_buckets(tenant=tenant, stream_id=stream.pk, start=chosen.start, end=end,
                                       buckets=BUCKETS)
    shared = {"time": True, "range": [_ms(chosen.start), _ms(chosen.end)], "alerts": _alert_marks(alerts),
              "zoom": True}
    anomalies = [a for a in alerts if a.kind == AlertKind.ANOMALY]
    specs = {
        "value": {**shared, "series": [{"name": f"value ({stream.units or 'units'})", "points": _series(points, 0)}],
                  "bands": [[_ms(a.window_start), _ms(a.window_end)] for a in anomalies],
                  "regimes": regimes.bands},
        "score": {**shared, "zero": True, "series": [{"name": "regime score", "points": _series(points, 1)}]},
        "energy": {**shared, "series": [{"name": "energy", "points": _series(windows, 0)}]},
        "entropy": {**shared, "series": [{"name": "entropy (nats)", "points": _series(windows, 1)},
                                         {"name": "entropy production (nats)", "points": _series(windows, 2)}]},
    }
    return StreamCharts(specs=specs, points=sum(b.count for b in points), windows=sum(b.count for b in windows),
                        downsampled=any(b.count > 1 for b in [*points, *windows]),
                        bucket_width=selectors.bucket_stride(chosen.start, end, BUCKETS))
