"""The regime view of a stream page: stored segments as shaded bands on the value chart, and regime-change alerts
listed apart from anomalies."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count

from apps.signals import selectors
from apps.signals.models import Alert, AlertKind, RegimeSegment, RegimeState, Stream
from apps.tenants.models import Tenant

REGIME_ROWS = 50  # newest regimes listed under the chart (the chart shows those overlapping it)
RANGE_BANDS = 1000  # regimes shaded over one chart range: more would be narrower than a pixel


@dataclass(frozen=True)
class RegimeView:
    bands: list[list[Any]]  # [start ms, end ms, label]: contiguous, oldest first, clipped to the chart
    segments: list[RegimeSegment]
    changes: Sequence[Alert]  # each annotated with boundary_count
    state: RegimeState | None


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _label(row: RegimeSegment) -> str:
    change = f"{row.change_summary} · " if row.change_summary else ""
    mean = "" if row.mean is None else f"mean {row.mean:.4g}"
    return f"{change}{row.n} points, {mean}".strip(", ")


def regime_bands(segments: list[RegimeSegment], since: datetime | None,
                 until: datetime | None = None) -> list[list[Any]]:
    """Each band runs from its regime's start to the next one's, so the bands tile the chart without gaps; bands
    are clipped to [since, until]."""
    ordered = sorted(segments, key=lambda s: s.start_ts)
    bands = []
    for k, row in enumerate(ordered):
        end = ordered[k + 1].start_ts if k + 1 < len(ordered) else row.end_ts
        if (since is not None and end < since) or (until is not None and row.start_ts > until):
            continue
        start = max(row.start_ts, since) if since is not None else row.start_ts
        bands.append([_ms(start), _ms(min(end, until) if until is not None else end), _label(row)])
    return bands


def _range_segments(*, tenant: Tenant, stream: Stream, since: datetime, until: datetime) -> list[RegimeSegment]:
    """The regimes overlapping [since, until]: those starting inside it, and the one already running at `since`."""
    segments = selectors.regime_list(tenant=tenant, stream_id=stream.pk)
    inside = list(segments.filter(start_ts__gt=since, start_ts__lte=until).order_by("start_ts")[:RANGE_BANDS])
    running = segments.filter(start_ts__lte=since).order_by("-start_ts").first()
    return [running, *inside] if running else inside


def regime_view(*, tenant: Tenant, stream: Stream, since: datetime | None, until: datetime | None) -> RegimeView:
    """The regimes table, the regime changes, and bands for a chart over [since, until] (none without a range)."""
    segments = list(selectors.regime_list(tenant=tenant, stream_id=stream.pk).order_by("-start_ts")[:REGIME_ROWS])
    changes = list(selectors.alert_list(tenant=tenant, stream_id=stream.pk, kind=AlertKind.REGIME_CHANGE)
                   .annotate(boundary_count=Count("boundary_anomalies")).order_by("-ts")[:REGIME_ROWS])
    bands = [] if since is None or until is None else regime_bands(
        _range_segments(tenant=tenant, stream=stream, since=since, until=until), since, until)
    return RegimeView(bands=bands, segments=segments, changes=changes,
                      state=selectors.regime_state_get(tenant=tenant, stream_id=stream.pk))
