"""The one time range every chart of a stream page shows: a preset (`?range=24h`) ending at the stream's latest
point, a custom span (`?from=&to=`, Unix seconds or ISO times in UTC, as a drag across a chart or the form sends
them), or a preset centred on an alert's moment (`?at=`, the alerts list's link). Ranges are clipped to the data,
so a short stream fills the chart instead of hugging its right edge."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.http import HttpRequest

from apps.portal.pages.alerts import chart_moment

PRESETS: dict[str, timedelta | None] = {
    "1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30),
    "90d": timedelta(days=90), "all": None,
}
PRESET_LABELS = [("1h", "1 h"), ("24h", "24 h"), ("7d", "7 d"), ("30d", "30 d"), ("90d", "90 d"), ("all", "All")]
# With no range asked for, a stream whose whole history is cheap to summarise opens on all of it (about 0.1 s per
# 100,000 points, benchmarks/stream_page.py); a longer one opens on its last week; an alert's link on a day around it.
OVERVIEW_POINTS = 100_000
LONG_STREAM_PRESET, AT_PRESET = "7d", "24h"
MIN_SPAN = timedelta(minutes=1)  # zooming stops here: below it a bucket is narrower than a typical point interval


@dataclass(frozen=True)
class ChartRange:
    start: datetime  # both ends inclusive: the first and last instant drawn
    end: datetime
    preset: str  # a PRESETS key, or "custom"
    at: datetime | None = None
    errors: dict[str, str] = field(default_factory=dict)  # bad from/to: the field and why (the page answers 400)

    @property
    def span(self) -> timedelta:
        return self.end - self.start


def _moment(raw: str) -> datetime | None:
    """Unix seconds, or an ISO time (a naive one, as <input type=datetime-local> sends, is UTC)."""
    raw = raw.strip()
    try:
        if raw.replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(raw), tz=UTC)
        moment = datetime.fromisoformat(raw)
    except (ValueError, OverflowError, OSError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _custom(request: HttpRequest, latest: datetime, span: timedelta) -> tuple[datetime, datetime] | dict[str, str]:
    raw_from, raw_to = request.GET.get("from", ""), request.GET.get("to", "")
    start, end = _moment(raw_from) if raw_from else None, _moment(raw_to) if raw_to else latest
    errors = {}
    if raw_from and start is None:
        errors["from"] = "Enter the start as a date and time (UTC) or Unix seconds."
    if end is None:
        errors["to"] = "Enter the end as a date and time (UTC) or Unix seconds."
    if errors:
        return errors
    assert end is not None
    start = start or end - span
    if end - start < MIN_SPAN:
        return {"to": f"The end must be at least {int(MIN_SPAN.total_seconds())} seconds after the start."}
    return start, end


def _clip(start: datetime, end: datetime, extent: tuple[datetime, datetime]) -> tuple[datetime, datetime]:
    # A range wholly outside the data stays as asked (the charts say there is nothing there).
    first, last = extent
    if end < first or start > last:
        return start, end
    return max(start, first), min(end, last)


def default_preset(request: HttpRequest, *, points: int) -> str:
    if chart_moment(request) is not None:
        return AT_PRESET
    return "all" if points <= OVERVIEW_POINTS else LONG_STREAM_PRESET


def chart_range(request: HttpRequest, *, extent: tuple[datetime, datetime], points: int) -> ChartRange:
    """The range asked for by the query, over a stream of `points` points from extent[0] to extent[1]."""
    preset = request.GET.get("range", "")
    preset = preset if preset in PRESETS else default_preset(request, points=points)
    first, last = extent
    span = PRESETS[preset] or max(last - first, MIN_SPAN)
    errors: dict[str, str] = {}
    if "from" in request.GET or "to" in request.GET:
        custom = _custom(request, last, span)
        if isinstance(custom, tuple):
            return ChartRange(*_clip(*custom, extent), preset="custom")
        errors = custom
    at = chart_moment(request)
    if at is not None:
        return ChartRange(*_clip(at - span / 2, at + span / 2, extent), preset=preset, at=at, errors=errors)
    return ChartRange(*_clip(last - span, last, extent), preset=preset, errors=errors)


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def range_links(chosen: ChartRange, extent: tuple[datetime, datetime]) -> dict[str, object]:
    """Query strings for the picker's presets and for zooming and panning the range shown."""
    at = {"at": _seconds(chosen.at)} if chosen.at else {}
    presets = [(key, label, "?" + urlencode({"range": key, **at})) for key, label in PRESET_LABELS]
    centre, span = chosen.start + chosen.span / 2, max(chosen.span, MIN_SPAN)

    def span_query(start: datetime, end: datetime) -> str:
        return "?" + urlencode({"from": _seconds(start), "to": _seconds(end) + 1})

    first, last = extent
    return {
        "presets": presets,
        "zoom_in": span_query(centre - span / 4, centre + span / 4) if span / 2 >= MIN_SPAN else None,
        "zoom_out": span_query(centre - span, centre + span) if chosen.start > first or chosen.end < last else None,
        "earlier": span_query(chosen.start - span / 2, chosen.end - span / 2) if chosen.start > first else None,
        "later": span_query(chosen.start + span / 2, chosen.end + span / 2) if chosen.end < last else None,
    }
