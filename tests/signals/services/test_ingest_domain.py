"""Issue #16 finding 3: one extreme value used to break a stream for good (jsonb refuses Infinity)."""
from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from apps.ops.models import AuditLog
from apps.signals.models import Point, SignalWindow, StreamState
from apps.signals.processing import StreamProcessor
from apps.signals.services.ingest import _window_row
from apps.signals.state import processor_dumps, processor_loads
from tests.signals.factories import T0, make_stream, wave

pytestmark = pytest.mark.django_db


def _poison(stream_pk: int) -> None:
    """What a release without the ingest bound stored after accepting 1e200: the value sits in the detector's
    and compiler's buffers and its Infinity in the history the physics vector reads."""
    state = StreamState.objects.get(stream_id=stream_pk)
    processor: StreamProcessor = processor_loads(state.blob)
    start = datetime.fromtimestamp(T0 - 10_000, tz=UTC)
    for i in range(30):
        processor.process(start + timedelta(seconds=i), 1e200 if i == 25 else 1.0, "")
    state.blob = processor_dumps(processor)
    state.save(update_fields=["blob"])


def test_it_refuses_a_value_outside_the_numeric_domain(api, tenant):
    # given
    stream = make_stream(tenant)
    points = wave(30)
    points[12]["v"] = 1e200

    # when
    response = api.post(f"/api/v1/streams/{stream.pk}/points/", {"points": points}, format="json")

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_rows"
    assert response.json()["extra"]["rows"] == [
        {"index": 12, "field": "v", "message": "outside the stream's numeric domain (|v| <= 1e+15)"}]
    assert not Point.objects.filter(stream_id=stream.pk).exists()


def test_values_at_the_domain_bound_keep_every_window_finite(api, tenant):
    # given
    stream = make_stream(tenant)
    points = [{"t": T0 + i, "v": (-1) ** i * 1e15} for i in range(100)]

    # when
    response = api.post(f"/api/v1/streams/{stream.pk}/points/", {"points": points}, format="json")
    windows = api.get(f"/api/v1/streams/{stream.pk}/windows/")

    # then
    assert response.status_code == 201, response.json()
    assert windows.status_code == 200
    for window in windows.json()["results"]:
        assert all(v is not None and math.isfinite(v) for v in window["vector"])
        assert window["energy"] is not None


def test_a_stream_poisoned_by_an_older_release_recovers(api, tenant):
    # given
    stream = make_stream(tenant)
    _poison(stream.pk)

    # when
    response = api.post(f"/api/v1/streams/{stream.pk}/points/", {"points": wave(100)}, format="json")

    # then
    assert response.status_code == 201, response.json()
    assert response.json()["windows"] == 5
    assert AuditLog.objects.filter(action="stream.state_reset", object_id=str(stream.pk)).count() == 1
    assert not processor_loads(StreamState.objects.get(stream_id=stream.pk).blob).poisoned()
    assert api.get(f"/api/v1/streams/{stream.pk}/windows/").status_code == 200


def test_non_finite_signals_are_stored_as_null_with_a_flag(api, tenant):
    # given: a window computed from an out-of-domain value (the processor itself does not bound values)
    stream = make_stream(tenant)
    processor = StreamProcessor.new(kind="numeric", window_size=10)
    start = datetime.fromtimestamp(T0, tz=UTC)
    closed = [w for i in range(30) if (w := processor.process(start + timedelta(seconds=i),
                                                               1e200 if i == 12 else 1.0, "")[1])]

    # when
    SignalWindow.objects.bulk_create([_window_row(stream, w) for w in closed])
    windows = api.get(f"/api/v1/streams/{stream.pk}/windows/")

    # then
    assert windows.status_code == 200
    broken = [w for w in windows.json()["results"] if w["energy"] is None]
    assert broken and all(not w["valid"] and "energy" in w["flags"] for w in broken)
    assert any(None in w["vector"] and "vector_not_finite" in w["flags"] for w in broken)


@pytest.mark.parametrize("bounds", [{"value_low": "NaN", "value_high": 1}, {"value_low": 0, "value_high": "Infinity"},
                                    {"value_low": 0, "value_high": 1e300}, {"value_low": True, "value_high": 2}])
def test_stream_value_bounds_must_be_finite_numbers_within_the_domain(api, bounds):
    # when
    response = api.post("/api/v1/streams/", {"name": "s", **bounds}, format="json")

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
