"""The stored processor state (apps/signals/state.py): versioned JSON + .npy, never a pickle at run time."""
from __future__ import annotations

import importlib
import json
import math
import pickle
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.apps import apps as django_apps

from apps.signals import services
from apps.signals.models import Point, SignalWindow, StreamState
from apps.signals.processing import StreamProcessor
from apps.signals.severity import SeverityCalibration
from apps.signals.state import StreamStateFormatError, processor_dumps, processor_loads
from tests.signals.factories import ACTOR, make_stream, wave

migration = importlib.import_module("apps.signals.migrations.0008_state_json")
T = datetime(2024, 3, 1, tzinfo=UTC)
RAN: list[str] = []


def _ran(word: str) -> None:
    RAN.append(word)


class _Payload:
    """A pickle that records it was executed: refusing must happen before any of it runs."""

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return _ran, ("unpickled",)


def _inputs(n: int, seed: int) -> list[tuple[datetime, float, str]]:
    rng = random.Random(seed)
    return [(T + timedelta(seconds=60 * i), 50 + 10 * math.sin(i / 15) + rng.gauss(0, 1) + (400 if i == 611 else 0),
             f"port-{rng.randint(0, 80)}") for i in range(n)]


def _outputs(processor: StreamProcessor, inputs: list[tuple[datetime, float, str]]) -> list[Any]:
    return [repr(processor.process(*row)) for row in inputs]


@pytest.mark.parametrize("kind", ["numeric", "categorical"])
def test_a_resumed_processor_scores_the_next_batch_exactly_like_an_uninterrupted_one(kind):
    # given
    inputs = _inputs(700, seed=3)
    uninterrupted = StreamProcessor.new(kind=kind, window_size=20)
    interrupted = StreamProcessor.new(kind=kind, window_size=20)
    _outputs(uninterrupted, inputs[:450])
    _outputs(interrupted, inputs[:450])
    # when
    resumed = processor_loads(processor_dumps(interrupted))
    # then: every point, window row and physics vector of the next 250 points is identical, and so is the state
    assert _outputs(resumed, inputs[450:]) == _outputs(uninterrupted, inputs[450:])
    assert processor_dumps(resumed) == processor_dumps(uninterrupted)


def test_the_stored_form_is_json_with_a_version_and_no_pickle():
    # given
    processor = StreamProcessor.new(kind="numeric", window_size=20)
    _outputs(processor, _inputs(300, seed=1))
    # when
    document = json.loads(processor_dumps(processor))
    # then
    assert (document["format"], document["version"]) == ("thermodynasty.stream_state", 2)
    assert set(document["compiler"]["dev"]) == {"__npy__"}


def test_a_pickled_blob_is_refused_and_never_unpickled():
    # given
    blob = pickle.dumps(_Payload())
    # when
    with pytest.raises(StreamStateFormatError) as refused:
        processor_loads(blob)
    # then
    assert "never unpickled" in str(refused.value) and "0008" in str(refused.value)
    assert RAN == []


@pytest.mark.parametrize("blob", [b'{"format": "thermodynasty.stream_state", "version": 3}', b"{not json", b"[]"])
def test_other_blobs_are_refused_with_a_clear_error(blob):
    with pytest.raises(StreamStateFormatError, match="stream state"):
        processor_loads(blob)


@pytest.mark.django_db
def test_ingest_refuses_a_pickled_state_and_writes_nothing(tenant):
    # given
    stream = make_stream(tenant)
    StreamState.objects.filter(stream=stream).update(blob=pickle.dumps(_Payload()))
    # when
    with pytest.raises(StreamStateFormatError):
        services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(30))
    # then
    assert RAN == [] and not Point.objects.filter(stream_id=stream.pk).exists()


@pytest.mark.django_db
def test_batches_resume_from_the_stored_state_exactly(tenant, other_tenant):
    # given: the same points, in three batches and in one
    split, whole = make_stream(tenant, "split"), make_stream(other_tenant, "whole")
    points = wave(700, spike_at=650)
    # when
    for batch in (points[:333], points[333:501], points[501:]):
        services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=split.pk, points=batch)
    services.points_ingest(actor=ACTOR, tenant=other_tenant, stream_id=whole.pk, points=points)
    # then
    fields = ("ts", "value", "score", "alarm")
    assert (list(Point.objects.filter(stream_id=split.pk).order_by("ts").values_list(*fields))
            == list(Point.objects.filter(stream_id=whole.pk).order_by("ts").values_list(*fields)))
    signals = ("index", "energy", "entropy", "entropy_production", "vector")
    assert (list(SignalWindow.objects.filter(stream=split).order_by("index").values_list(*signals))
            == list(SignalWindow.objects.filter(stream=whole).order_by("index").values_list(*signals)))


@pytest.mark.django_db
@pytest.mark.parametrize("release", ["current", "before_recent_and_rows"])
def test_the_migration_converts_a_pickled_row(tenant, release):
    # given: a row as the old code stored it (an older release's processor lacked `recent` and `rows`)
    stream = make_stream(tenant, kind="categorical")
    processor = StreamProcessor.new(kind="categorical", window_size=20)
    _outputs(processor, _inputs(400, seed=5))
    expected = processor_loads(processor_dumps(processor))
    # every pickled row predates severity calibration: such a processor had no calibration, its points no severity
    del processor.__dict__["calibration"]
    for point in [*processor.window, *processor.recent]:
        point.__dict__.pop("severity", None)
    expected.calibration = SeverityCalibration()
    if release == "before_recent_and_rows":
        del processor.__dict__["recent"], processor.__dict__["rows"]
        expected.recent.clear()
        expected.recent.extend(expected.window)
        expected.rows.clear()
    StreamState.objects.filter(stream=stream).update(blob=pickle.dumps(processor), version=1)
    # when
    migration.convert_pickled_states(django_apps, None)
    # then
    state = StreamState.objects.get(stream=stream)
    assert state.version == 2 and bytes(state.blob).startswith(b"{")
    assert processor_dumps(processor_loads(state.blob)) == processor_dumps(expected)


def test_the_migration_refuses_a_pickle_that_refers_to_anything_else():
    with pytest.raises(pickle.UnpicklingError, match="may not refer to"):
        migration.legacy_loads(pickle.dumps(_Payload()))
    assert RAN == []
