from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from apps.signals import selectors, services
from apps.signals.models import Point, SignalWindow, Stream
from tests.signals.factories import ACTOR, T0, make_stream

pytestmark = pytest.mark.django_db

START = datetime.fromtimestamp(T0, tz=UTC)


def _zigzag(n: int) -> list[dict[str, float]]:
    # Minute points whose values jump about (7 is prime to 10), so each bucket's min and max sit mid-bucket.
    return [{"t": T0 + 60 * i, "v": float((7 * i) % 10) + i / 1000} for i in range(n)]


def _reference(rows: list[tuple[datetime, float, float]], start: datetime, width: timedelta) -> dict:
    """The naive answer: each row's bucket by integer arithmetic on its offset, then min/max in Python."""
    grouped: dict[int, list[tuple[datetime, float, float]]] = defaultdict(list)
    for row in rows:
        grouped[(row[0] - start) // width + 1].append(row)
    return {k: (min(r[0] for r in g), max(r[0] for r in g), len(g), (min(r[1] for r in g), min(r[2] for r in g)),
                (max(r[1] for r in g), max(r[2] for r in g))) for k, g in grouped.items()}


def test_point_buckets_are_exact_min_and_max_per_time_bucket(tenant):
    # given: 600 minute points; a 10-hour range starting 20 minutes in, in 8 buckets of 75 minutes
    stream = make_stream(tenant)
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=_zigzag(600))
    start, end = START + timedelta(minutes=20), START + timedelta(minutes=620)
    rows = list(Point.objects.filter(stream_id=stream.pk, ts__gte=start, ts__lt=end)
                .values_list("ts", "value", "score"))
    # when
    buckets = selectors.point_buckets(tenant=tenant, stream_id=stream.pk, start=start, end=end, buckets=8)
    # then
    expected = _reference(rows, start, timedelta(minutes=75))
    assert {b.index: (b.first, b.last, b.count, b.lows, b.highs) for b in buckets} == expected
    assert [b.index for b in buckets] == list(range(1, 9)) and sum(b.count for b in buckets) == 580
    assert buckets[0].lows[0] == 0.02 and buckets[0].highs[0] == pytest.approx(9.087)


def test_a_point_on_a_bucket_edge_opens_the_next_bucket_and_the_end_is_excluded(tenant):
    # given: 10 points one minute apart over 5 buckets of two minutes
    stream = make_stream(tenant)
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk,
                           points=[{"t": T0 + 60 * i, "v": float(i)} for i in range(11)])
    # when
    buckets = selectors.point_buckets(tenant=tenant, stream_id=stream.pk, start=START,
                                      end=START + timedelta(minutes=10), buckets=5)
    # then: bucket k holds minutes 2k-2 and 2k-1; minute 10 is the range's end, outside it
    assert [(b.index, b.count, b.lows[0], b.highs[0]) for b in buckets] == [
        (k, 2, 2.0 * k - 2, 2.0 * k - 1) for k in range(1, 6)]


def test_window_buckets_skip_null_signals_and_leave_empty_buckets_out(tenant):
    # given: a stream's closed windows, one of them with its energy unset as a non-finite value leaves it
    stream = make_stream(tenant, window_size=20)
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=_zigzag(400))
    windows = list(SignalWindow.objects.filter(stream=stream).order_by("end_ts"))
    SignalWindow.objects.filter(pk=windows[0].pk).update(energy=None)
    start, end = windows[0].end_ts, windows[-1].end_ts + timedelta(microseconds=1)
    # when: far more buckets than windows
    buckets = selectors.window_buckets(tenant=tenant, stream_id=stream.pk, start=start, end=end, buckets=1000)
    # then: one bucket per window, each its own min and max; the nulled energy is None, not 0
    assert len(buckets) == len(windows) and all(b.count == 1 for b in buckets)
    assert buckets[0].lows[0] is None and buckets[0].lows[1] == windows[0].entropy
    assert [(b.first, b.highs[1], b.lows[2]) for b in buckets[1:]] == [
        (w.end_ts, w.entropy, w.entropy_production) for w in windows[1:]]


def test_point_extent_is_the_first_and_last_point(tenant):
    # given
    stream = make_stream(tenant)
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=_zigzag(30))
    # when / then
    assert selectors.point_extent(tenant=tenant, stream_id=stream.pk) == (START, START + timedelta(minutes=29))
    assert selectors.point_extent(tenant=tenant, stream_id=make_stream(tenant, name="empty").pk) is None


def test_another_tenants_stream_has_no_buckets_for_this_tenant(tenant, other_tenant):
    # given: the other tenant's stream with points in the range
    theirs = make_stream(other_tenant)
    services.points_ingest(actor=ACTOR, tenant=other_tenant, stream_id=theirs.pk, points=_zigzag(50))
    # when / then: refused like a missing stream, for points, windows and the extent
    for selector in (selectors.point_buckets, selectors.window_buckets):
        with pytest.raises(Stream.DoesNotExist):
            selector(tenant=tenant, stream_id=theirs.pk, start=START, end=START + timedelta(hours=1))
    with pytest.raises(Stream.DoesNotExist):
        selectors.point_extent(tenant=tenant, stream_id=theirs.pk)
