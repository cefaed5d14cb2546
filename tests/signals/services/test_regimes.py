from __future__ import annotations

import json
from datetime import UTC

import pytest

from apps.signals import services
from apps.signals.models import Alert, AlertKind, RegimeSegment, RegimeState
from apps.tenants import rls
from kernels.changepoint.tracker import BOUNDARY_MARGIN
from tests.signals.factories import (
    ACTOR,
    T0,
    level_shift,
    make_stream,
    noise_with_spike,
)

pytestmark = pytest.mark.django_db


def _ingest(tenant, stream, points, batch: int = 100) -> list[int]:
    ids: list[int] = []
    for k in range(0, len(points), batch):
        ids += services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk,
                                      points=points[k:k + batch]).alerts
        services.stream_regimes_track(stream_id=stream.pk)
    return ids


def test_a_level_shift_raises_exactly_one_regime_change_that_says_what_changed(tenant):
    # given
    stream = make_stream(tenant)
    # when
    _ingest(tenant, stream, level_shift(300, 300, low=50, high=80, sigma=2))
    # then
    changes = list(Alert.objects.filter(stream=stream, kind=AlertKind.REGIME_CHANGE))
    assert len(changes) == 1
    change = changes[0]
    assert change.evidence["change_kind"] == "level" and change.evidence["summary"].startswith("level +")
    assert change.evidence["summary"] in change.explanation and change.evidence["stats"]["level_sigma"] > 3
    # the boundary is dated near row 300 and confirmed within the detector's documented bound
    assert abs(change.ts.timestamp() - (T0 + 60 * 300)) <= 60 * 5
    assert 1 <= change.delay_points <= change.evidence["delay_bound"]
    # the confirming point is the delay's last point of the new regime
    assert change.window_end.timestamp() == change.ts.timestamp() + 60 * (change.delay_points - 1)


def test_a_single_spike_is_an_anomaly_not_a_regime_change(tenant):
    # given
    stream = make_stream(tenant)
    # when
    _ingest(tenant, stream, noise_with_spike(600, spike_at=400))
    # then
    assert not Alert.objects.filter(stream=stream, kind=AlertKind.REGIME_CHANGE).exists()
    spike = Alert.objects.get(stream=stream, kind=AlertKind.ANOMALY, ts__gte=_at(400), ts__lte=_at(400))
    assert spike.regime_alert_id is None


def _at(row: int):
    from datetime import datetime

    return datetime.fromtimestamp(T0 + 60 * row, tz=UTC)


def test_anomaly_alarms_at_a_confirmed_boundary_are_labelled_with_it_not_doubled(tenant):
    # given
    stream = make_stream(tenant)
    # when
    _ingest(tenant, stream, level_shift(300, 300, low=50, high=80, sigma=2))
    # then: every anomaly alarm in the boundary's margin points to the regime change; none outside does
    change = Alert.objects.get(stream=stream, kind=AlertKind.REGIME_CHANGE)
    anomalies = list(Alert.objects.filter(stream=stream, kind=AlertKind.ANOMALY))
    inside = [a for a in anomalies if change.window_start <= a.ts <= change.window_end]
    assert all(a.regime_alert_id == change.pk for a in inside)
    assert all(a.regime_alert_id is None for a in anomalies if a not in inside)
    assert change.window_start.timestamp() == change.ts.timestamp() - 60 * BOUNDARY_MARGIN


def test_the_streaming_state_is_json_and_batching_does_not_change_the_outcome(tenant):
    # given
    one, many = make_stream(tenant, name="one"), make_stream(tenant, name="many")
    points = level_shift(250, 250)
    # when
    _ingest(tenant, one, points, batch=500)
    _ingest(tenant, many, points, batch=37)
    # then
    state = RegimeState.objects.get(stream=one)
    assert json.loads(json.dumps(state.detector)) == state.detector and state.detector["seen"] == 500

    def changes(stream):
        return list(Alert.objects.filter(stream=stream, kind=AlertKind.REGIME_CHANGE)
                    .values_list("ts", "delay_points", "explanation"))
    assert changes(one) == changes(many) and len(changes(one)) == 1


def test_the_offline_refresh_stores_the_segments_of_the_recent_points(tenant):
    # given
    stream = make_stream(tenant)
    _ingest(tenant, stream, level_shift(300, 300, low=50, high=80, sigma=2))
    # when
    stored = services.stream_regimes_refresh(stream_id=stream.pk)
    again = services.stream_regimes_refresh(stream_id=stream.pk)
    # then: two regimes split near row 300; a second run finds them fresh
    rows = list(RegimeSegment.objects.filter(stream=stream).order_by("start_ts"))
    assert (stored, again, len(rows)) == (2, 0, 2)
    assert rows[0].start_ts == _at(0) and rows[1].end_ts == _at(599)
    assert abs(rows[1].start_ts.timestamp() - (T0 + 60 * 300)) <= 60 * 3
    assert rows[0].mean == pytest.approx(50, abs=1) and rows[1].mean == pytest.approx(80, abs=1)
    assert rows[0].change_kind == "" and rows[1].change_kind == "level"
    assert rows[1].change_summary.startswith("level +") and rows[1].confidence > 0.5
    state = RegimeState.objects.get(stream=stream)
    assert state.segmented_through == _at(599) and state.segmentation["points"] == 600


def test_a_refresh_after_more_points_replaces_the_segments_whole(tenant):
    # given
    stream = make_stream(tenant)
    _ingest(tenant, stream, level_shift(300, 0))
    services.stream_regimes_refresh(stream_id=stream.pk)
    before = RegimeSegment.objects.filter(stream=stream).count()
    # when
    _ingest(tenant, stream, level_shift(0, 300, high=80, start=300, seed=3))
    services.stream_regimes_refresh(stream_id=stream.pk)
    # then
    assert before == 1
    assert RegimeSegment.objects.filter(stream=stream).count() == 2


def test_regime_rows_are_invisible_to_another_tenant(tenant, other_tenant):
    # given
    stream = make_stream(tenant)
    _ingest(tenant, stream, level_shift(300, 300))
    services.stream_regimes_refresh(stream_id=stream.pk)
    # when
    with rls.tenant_scope(other_tenant.pk):
        visible = (RegimeSegment.objects.count(), RegimeState.objects.count(),
                   Alert.objects.filter(kind=AlertKind.REGIME_CHANGE).count())
    # then
    assert visible == (0, 0, 0)
