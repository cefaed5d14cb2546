"""Late data (services/backfill.py): a gap filled within SIGNALS_LATENESS_SECONDS ends exactly as an in-order
ingest of the same points would; outside the bound, or at a stored point's time, the batch is refused whole."""
from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps

from apps.core.errors import ApplicationError
from apps.ops.models import AuditLog
from apps.signals import services
from apps.signals.models import Alert, AlertStatus, Point, SignalWindow, Stream, StreamCheckpoint, StreamState
from apps.signals.services import backfill
from apps.signals.state import processor_dumps, processor_loads
from tests.signals.factories import ACTOR, T0, make_stream, wave

pytestmark = pytest.mark.django_db
WINDOW_FIELDS = ("index", "start_ts", "end_ts", "count", "mean", "minimum", "maximum", "energy", "temperature",
                 "entropy", "entropy_rate", "free_energy", "entropy_production", "max_score", "valid", "flags",
                 "vector")


def _ingest(tenant: Any, stream: Stream, points: list[dict[str, Any]], batch: int = 100) -> None:
    for k in range(0, len(points), batch):
        services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=points[k:k + batch])


def _stored(stream: Stream) -> tuple[list[Any], list[Any], list[Any], bytes]:
    points = list(Point.objects.filter(stream_id=stream.pk).order_by("ts")
                  .values_list("ts", "value", "symbol", "score", "alarm"))
    windows = list(SignalWindow.objects.filter(stream=stream).order_by("index").values_list(*WINDOW_FIELDS))
    alarms = list(Alert.objects.filter(stream=stream).exclude(note__contains="Withdrawn").order_by("ts")
                  .values_list("ts", "score", "severity"))
    return points, windows, alarms, processor_dumps(processor_loads(StreamState.objects.get(stream=stream).blob))


def _categorical(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"t": p["t"], "symbol": f"port-{int(p['v']) % 7 if i % 97 else 9000 + i}"} for i, p in enumerate(points)]


@pytest.mark.parametrize("kind", ["numeric", "categorical"])
def test_a_gap_back_filled_within_the_bound_recomputes_exactly_what_in_order_ingest_gives(
        tenant, other_tenant, monkeypatch, kind):
    # given: a checkpoint every 100 points; minutes 300-329 (with a spike) arrive after minutes 330-359
    monkeypatch.setattr(backfill, "CHECKPOINT_POINTS", 100)
    points = wave(360, spike_at=310) if kind == "numeric" else _categorical(wave(360))
    late = make_stream(tenant, "late", kind=kind)
    reference = make_stream(other_tenant, "in-order", kind=kind)
    _ingest(tenant, late, points[:300] + points[330:])
    _ingest(other_tenant, reference, points)
    # when
    result = services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=late.pk, points=points[300:330])
    # then: points, scores, windows, alerts and the stored state are those of the in-order stream
    assert _stored(late) == _stored(reference)
    late.refresh_from_db()
    reference.refresh_from_db()
    assert (late.point_count, late.last_timestamp, late.last_score) == (
        reference.point_count, reference.last_timestamp, reference.last_score)
    assert result.accepted == 30 and result.windows == 3  # re-run from the checkpoint at point 300
    if kind == "numeric":
        assert [ts.timestamp() for ts, *_ in _stored(reference)[2]] == [T0 + 60 * 310]
    audit = AuditLog.objects.get(action="stream.late_points", object_id=str(late.pk))
    assert audit.after["points"] == 30 and audit.after["windows_from"] == 15
    # and the next in-order batch continues identically
    _ingest(tenant, late, wave(40, start=360) if kind == "numeric" else _categorical(wave(400))[360:])
    _ingest(other_tenant, reference, wave(40, start=360) if kind == "numeric" else _categorical(wave(400))[360:])
    assert _stored(late) == _stored(reference)


def test_a_late_point_outside_the_bound_is_refused_with_a_row_error_and_nothing_written(api, tenant):
    # given: the latest point is at minute 199; the bound is an hour
    stream = make_stream(tenant)
    _ingest(tenant, stream, wave(100) + wave(50, start=150))
    before = _stored(stream)
    # when: minute 130 is 69 minutes late; minutes 140 and 145 are within the bound but share its batch
    response = api.post(f"/api/v1/streams/{stream.pk}/points/",
                        {"points": wave(1, start=130) + wave(1, start=140) + wave(1, start=145)}, format="json")
    # then
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_rows"
    rows = body["extra"]["rows"]
    assert [(r["index"], r["field"]) for r in rows] == [(0, "t")]
    assert "SIGNALS_LATENESS_SECONDS = 3600 s" in rows[0]["message"] and "too late" in rows[0]["message"]
    assert _stored(stream) == before and Stream.objects.get(pk=stream.pk).point_count == 150


def test_the_bound_is_a_setting(api, tenant, settings):
    # given
    settings.SIGNALS_LATENESS_SECONDS = 2 * 3600
    stream = make_stream(tenant)
    _ingest(tenant, stream, wave(100) + wave(50, start=150))
    # when
    response = api.post(f"/api/v1/streams/{stream.pk}/points/", {"points": wave(20, start=100)}, format="json")
    # then
    assert response.status_code == 201, response.content
    assert Point.objects.filter(stream_id=stream.pk).count() == 170


def test_a_late_point_at_a_stored_points_time_is_refused(tenant):
    # given
    stream = make_stream(tenant)
    _ingest(tenant, stream, wave(50))
    # when
    with pytest.raises(ApplicationError) as refused:
        services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(1, start=40))
    # then
    assert refused.value.extra["rows"] == [{"index": 0, "field": "t", "message": (
        "a point at this timestamp is already stored; late points must be new (duplicates are refused)")}]
    assert Point.objects.filter(stream_id=stream.pk).count() == 50


def test_checkpoints_are_kept_only_within_the_bound(tenant, monkeypatch):
    # given
    monkeypatch.setattr(backfill, "CHECKPOINT_POINTS", 100)
    stream = make_stream(tenant)
    # when: 500 points a minute apart, in batches of 100
    _ingest(tenant, stream, wave(500))
    # then: checkpoints before points 0..400; the bound (60 min before minute 499) keeps 400 and the one before
    counts = list(StreamCheckpoint.objects.filter(stream=stream).order_by("point_count")
                  .values_list("point_count", flat=True))
    assert counts == [400]
    assert T0 + 60 * 399 == StreamCheckpoint.objects.get(stream=stream).through_ts.timestamp()


def test_an_alarm_the_late_points_explain_is_withdrawn_and_theirs_is_raised(tenant):
    # given: minute 335 jumps to 500 and alarms; the late minute 310 made the same jump first
    points = wave(360)
    points[310]["v"] = points[335]["v"] = 500.0
    stream = make_stream(tenant)
    _ingest(tenant, stream, points[:300] + points[330:])
    alarmed = Alert.objects.get(stream=stream)
    assert alarmed.ts.timestamp() == T0 + 60 * 335
    services.alert_acknowledge(actor=ACTOR, tenant=tenant, alert_id=alarmed.pk)
    # when
    result = services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=points[300:330])
    # then: the late jump alarms; the later one, no longer news, is resolved with a note and kept
    raised = Alert.objects.get(pk__in=result.alerts)
    assert raised.ts.timestamp() == T0 + 60 * 310 and raised.status == AlertStatus.OPEN
    alarmed.refresh_from_db()
    assert alarmed.status == AlertStatus.RESOLVED and alarmed.note.endswith(backfill.WITHDRAWN_NOTE)
    audit = AuditLog.objects.get(action="stream.late_points", object_id=str(stream.pk))
    assert audit.after["alerts_withdrawn"] == [alarmed.pk] and audit.after["alerts_created"] == [raised.pk]


def test_a_stream_from_before_checkpoints_accepts_late_points_only_after_its_state_then(tenant):
    # given: a stream as migration 0009 found it (its past states were never kept)
    checkpoints = importlib.import_module("apps.signals.migrations.0009_checkpoints")
    stream = make_stream(tenant)
    _ingest(tenant, stream, wave(100))
    StreamCheckpoint.objects.filter(stream=stream).delete()
    checkpoints.checkpoint_current_states(django_apps, None)
    _ingest(tenant, stream, wave(20, start=110))
    # when: minute 95 is within the hour but before the checkpoint at minute 99; minute 105 is after it
    with pytest.raises(ApplicationError) as refused:
        services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(1, start=95))
    result = services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(5, start=105))
    # then
    assert "oldest stored state" in refused.value.extra["rows"][0]["message"]
    assert result.accepted == 5 and Point.objects.filter(stream_id=stream.pk).count() == 125
