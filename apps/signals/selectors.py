from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, DateTimeField, DurationField, F, Func, Max, Min, Q, QuerySet, Value

from apps.core.selectors import get_or_not_found
from apps.signals.models import (
    Alert,
    Point,
    RegimeSegment,
    RegimeState,
    SignalWindow,
    Stream,
    WebhookDelivery,
    WebhookEndpoint,
)
from apps.tenants.models import Tenant


def stream_list(*, tenant: Tenant) -> QuerySet[Stream]:
    return Stream.objects.filter(tenant=tenant)


def stream_get(*, tenant: Tenant, stream_id: int) -> Stream:
    return get_or_not_found(Stream.objects.filter(tenant=tenant), "No such stream.", pk=stream_id)


def point_list(*, tenant: Tenant, stream_id: int, start: datetime | None = None,
               end: datetime | None = None) -> QuerySet[Point]:
    stream = stream_get(tenant=tenant, stream_id=stream_id)
    qs = Point.objects.filter(tenant=tenant, stream_id=stream.pk)
    if start:
        qs = qs.filter(ts__gte=start)
    if end:
        qs = qs.filter(ts__lt=end)
    return qs


def window_list(*, tenant: Tenant, stream_id: int) -> QuerySet[SignalWindow]:
    stream = stream_get(tenant=tenant, stream_id=stream_id)
    return SignalWindow.objects.filter(tenant=tenant, stream=stream)


def alert_list(*, tenant: Tenant, status: str | None = None, stream_id: int | None = None,
               kind: str | None = None) -> QuerySet[Alert]:
    qs = Alert.objects.filter(tenant=tenant).select_related("stream")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if stream_id:
        qs = qs.filter(stream_id=stream_id)
    return qs


def alert_get(*, tenant: Tenant, alert_id: int) -> Alert:
    return get_or_not_found(alert_list(tenant=tenant), "No such alert.", pk=alert_id)


def webhook_list(*, tenant: Tenant) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(tenant=tenant)


def webhook_get(*, tenant: Tenant, endpoint_id: int) -> WebhookEndpoint:
    return get_or_not_found(webhook_list(tenant=tenant), "No such webhook endpoint.", pk=endpoint_id)


def delivery_list(*, tenant: Tenant, endpoint_id: int) -> QuerySet[WebhookDelivery]:
    endpoint = webhook_get(tenant=tenant, endpoint_id=endpoint_id)
    return WebhookDelivery.objects.filter(tenant=tenant, endpoint=endpoint)


def regime_list(*, tenant: Tenant, stream_id: int) -> QuerySet[RegimeSegment]:
    stream = stream_get(tenant=tenant, stream_id=stream_id)
    return RegimeSegment.objects.filter(tenant=tenant, stream=stream)


def regime_state_get(*, tenant: Tenant, stream_id: int) -> RegimeState | None:
    return RegimeState.objects.filter(tenant=tenant, stream_id=stream_id).first()


def alert_search(*, tenant: Tenant, stream_id: int | None = None, severity: str | None = None,
                 status: str | None = None, since: datetime | None = None, until: datetime | None = None,
                 before: tuple[datetime, int] | None = None) -> QuerySet[Alert]:
    """Newest first over (ts, id), a unique and stable order; `before` is the (ts, id) of the last row already
    shown, so a page is a keyset seek and never counts the table."""
    qs = alert_list(tenant=tenant, status=status, stream_id=stream_id)
    if severity:
        qs = qs.filter(severity=severity)
    if since is not None:
        qs = qs.filter(ts__gte=since)
    if until is not None:
        qs = qs.filter(ts__lt=until)
    if before is not None:
        ts, pk = before
        qs = qs.filter(Q(ts__lt=ts) | Q(ts=ts, pk__lt=pk))
    return qs.order_by("-ts", "-id")


@dataclass(frozen=True)
class Bucket:
    """One time bucket of a down-sampled series: its first and last timestamps, how many rows fell in it, and
    the min and max of each bucketed field (None where every row's field was null), in the fields' order."""

    index: int  # 1..buckets, oldest first
    first: datetime
    last: datetime
    count: int
    lows: tuple[float | None, ...]
    highs: tuple[float | None, ...]


def _date_bin(column: str, start: datetime, stride: timedelta) -> Func:
    # date_bin is integer microsecond arithmetic: exact on bucket edges, and ~4x cheaper per row than
    # width_bucket over extract(epoch), which is numeric.
    return Func(Value(stride, output_field=DurationField()), F(column), Value(start, output_field=DateTimeField()),
                function="date_bin", output_field=DateTimeField())


def bucket_stride(start: datetime, end: datetime, buckets: int) -> timedelta:
    """The width of `buckets` equal buckets over [start, end): whole microseconds, rounded up so none is left over."""
    span = (end - start) // timedelta(microseconds=1)
    return timedelta(microseconds=-(-span // buckets))


def _bucketed(qs: QuerySet, *, column: str, fields: tuple[str, ...], start: datetime, end: datetime,
              buckets: int) -> list[Bucket]:
    """Min/max per equal-width time bucket over [start, end), computed by PostgreSQL, so a chart of a long range
    reads at most `buckets` rows whatever the number of points; empty buckets are absent."""
    if buckets < 1 or end <= start:
        raise ValueError("a bucketed series needs at least one bucket over a non-empty range")
    stride = bucket_stride(start, end, buckets)
    aggregates = {f"low_{f}": Min(f) for f in fields} | {f"high_{f}": Max(f) for f in fields}
    rows = (qs.filter(**{f"{column}__gte": start, f"{column}__lt": end})
            .annotate(bin=_date_bin(column, start, stride)).values("bin")
            .annotate(first=Min(column), last=Max(column), count=Count("*"), **aggregates).order_by())
    # Sorted here, not by SQL: the planner cannot know how few bins there are, and an ORDER BY makes it sort every
    # row before grouping, about 2x slower on 1M points than hashing them (benchmarks/stream_page.py).
    return sorted((Bucket(index=(r["bin"] - start) // stride + 1, first=r["first"], last=r["last"], count=r["count"],
                          lows=tuple(r[f"low_{f}"] for f in fields), highs=tuple(r[f"high_{f}"] for f in fields))
                   for r in rows), key=lambda b: b.index)


POINT_BUCKET_FIELDS = ("value", "score")
WINDOW_BUCKET_FIELDS = ("energy", "entropy", "entropy_production")


def point_extent(*, tenant: Tenant, stream_id: int) -> tuple[datetime, datetime] | None:
    """The first and last point's timestamps (late points may precede `last_timestamp`'s history), or None."""
    found = point_list(tenant=tenant, stream_id=stream_id).aggregate(first=Min("ts"), last=Max("ts"))
    return None if found["first"] is None else (found["first"], found["last"])


def point_buckets(*, tenant: Tenant, stream_id: int, start: datetime, end: datetime,
                  buckets: int = 1000) -> list[Bucket]:
    """A stream's points in [start, end) as min/max of value and score per time bucket (POINT_BUCKET_FIELDS)."""
    return _bucketed(point_list(tenant=tenant, stream_id=stream_id), column="ts", fields=POINT_BUCKET_FIELDS,
                     start=start, end=end, buckets=buckets)


def window_buckets(*, tenant: Tenant, stream_id: int, start: datetime, end: datetime,
                   buckets: int = 1000) -> list[Bucket]:
    """A stream's signal windows closing in [start, end) as min/max per time bucket of WINDOW_BUCKET_FIELDS."""
    return _bucketed(window_list(tenant=tenant, stream_id=stream_id), column="end_ts", fields=WINDOW_BUCKET_FIELDS,
                     start=start, end=end, buckets=buckets)
