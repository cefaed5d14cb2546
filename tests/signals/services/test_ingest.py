from __future__ import annotations

import pytest
from django.db import connection

from apps.core.errors import ApplicationError
from apps.signals import services
from apps.signals.models import Alert, Point, SignalWindow, Stream
from tests.signals.factories import ACTOR, T0, make_stream, wave

pytestmark = pytest.mark.django_db


def test_points_are_scored_stored_and_windowed(tenant):
    # given
    stream = make_stream(tenant)
    # when
    result = services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(400))
    # then
    assert result.accepted == 400 and result.windows == 20
    assert Point.objects.filter(stream_id=stream.pk).count() == 400
    window = SignalWindow.objects.filter(stream=stream).order_by("index").last()
    assert window.valid and 0 <= window.entropy <= 3
    assert len(window.vector) == 16


def test_a_spike_opens_an_alert_that_explains_itself(tenant):
    # given
    stream = make_stream(tenant)
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(600))
    # when
    result = services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk,
                                    points=wave(50, start=600, spike_at=620))
    # then
    alert = Alert.objects.get(pk=result.alerts[0])
    assert alert.ts.timestamp() == T0 + 60 * 620
    assert "standard deviations above" in alert.explanation
    assert alert.evidence["z"] > 5 and alert.severity in ("medium", "high", "critical")


def test_a_batch_with_bad_rows_is_refused_whole_with_row_errors(tenant):
    # given
    stream = make_stream(tenant)
    points = wave(10)
    points[3] = {"t": "yesterday-ish", "v": 1}
    points[5] = {"t": T0, "v": "NaN"}
    points[7] = {"t": T0 + 1, "v": 1, "extra": True}
    # when
    with pytest.raises(ApplicationError) as refused:
        services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=points)
    # then
    rows = refused.value.extra["rows"]
    assert [(r["index"], r["field"]) for r in rows] == [(3, "t"), (5, "v"), (7, "extra")]
    assert Point.objects.filter(stream_id=stream.pk).count() == 0
    assert Stream.objects.get(pk=stream.pk).point_count == 0


def test_out_of_order_points_are_refused(tenant):
    # given
    stream = make_stream(tenant)
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(5))
    # when / then: a repeat of an old timestamp is not silently merged (late points must be new)
    with pytest.raises(ApplicationError) as refused:
        services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(1, start=2))
    assert refused.value.extra["rows"][0]["message"].startswith("a point at this timestamp is already stored")
    with pytest.raises(ApplicationError) as refused:
        services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(1, start=9) + wave(1))
    assert refused.value.extra["rows"][0]["message"] == "timestamps must increase within the batch"


def test_scores_never_use_future_points(tenant, other_tenant):
    # given: the same 300 points, then two different futures
    a, b = make_stream(tenant, "a"), make_stream(other_tenant, "b")
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=a.pk, points=wave(300) + wave(50, start=300))
    services.points_ingest(actor=ACTOR, tenant=other_tenant, stream_id=b.pk,
                           points=wave(300) + [{"t": T0 + 60 * (300 + i), "v": 1e6} for i in range(50)])
    # when
    sa = list(Point.objects.filter(stream_id=a.pk).order_by("ts").values_list("score", flat=True))[:300]
    sb = list(Point.objects.filter(stream_id=b.pk).order_by("ts").values_list("score", flat=True))[:300]
    # then
    assert sa == sb


def test_categorical_streams_score_event_surprisal(tenant):
    # given
    stream = make_stream(tenant, "ports", kind="categorical", window_size=30)
    common = [{"t": T0 + i, "symbol": ["443", "80", "53"][i % 3]} for i in range(600)]
    # when
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=common)
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk,
                           points=[{"t": T0 + 600, "symbol": "31337"}])
    # then
    last = Point.objects.filter(stream_id=stream.pk).order_by("-ts").first()
    typical = Point.objects.filter(stream_id=stream.pk).order_by("-ts")[1]
    assert last.symbol == "31337" and last.value > typical.value + 3
    assert SignalWindow.objects.filter(stream=stream).first().entropy == pytest.approx(1.0986, abs=1e-3)


def test_points_live_in_monthly_partitions(tenant):
    # given
    stream = make_stream(tenant)
    month = [{"t": T0 + 86400 * 31 * i, "v": float(i)} for i in range(3)]
    # when
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=month)
    # then
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'signals_point'::regclass")
        assert cursor.fetchone()[0] >= 3
