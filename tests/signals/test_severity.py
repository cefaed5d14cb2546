from __future__ import annotations

import itertools
import math
import random
from datetime import UTC, datetime

import pytest

from apps.signals.processing import StreamProcessor
from apps.signals.severity import (
    CALIBRATION_POINTS,
    SEVERITY_BANDS,
    SeverityCalibration,
    SeverityEvidence,
    severity_index,
    severity_label,
)

RANKS = {label: rank for rank, (_, label) in enumerate(reversed(SEVERITY_BANDS))}
MATURE = CALIBRATION_POINTS + 1
RARITIES = [0.0, 0.5, 1.0, 1.7, 2.5, 3.0, 6.0, math.inf]
SIZES = [0.0, 1.0, 2.5, -3.5, 4.0, -6.0, 12.0, math.inf]
DURATIONS = [0, 1, 2, 10, 50, 144, 10_000]
HISTORIES = [0, 10, 500, CALIBRATION_POINTS - 1, CALIBRATION_POINTS, 10**6]


def _grid() -> list[SeverityEvidence]:
    return [SeverityEvidence(r, s, d, h) for r, s, d, h in itertools.product(RARITIES, SIZES, DURATIONS, HISTORIES)]


def test_the_index_is_bounded_and_every_label_is_a_band():
    # given
    grid = _grid() + [SeverityEvidence(math.nan, math.nan, 0, MATURE)]
    # when
    indices = [severity_index(e) for e in grid]
    # then
    assert all(0.0 <= i <= 1.0 for i in indices)
    assert {severity_label(e) for e in grid} == set(RANKS)


@pytest.mark.parametrize("field", ["rarity_decades", "size_sigma", "duration_points", "history_points"])
def test_more_evidence_never_lowers_the_severity(field):
    # given
    axes = {"rarity_decades": RARITIES, "size_sigma": [abs(s) for s in SIZES], "duration_points": DURATIONS,
            "history_points": HISTORIES}
    base = {"rarity_decades": 2.0, "size_sigma": 4.0, "duration_points": 12, "history_points": MATURE}
    # when
    indices = [severity_index(SeverityEvidence(**{**base, field: value})) for value in sorted(axes[field])]
    # then
    assert indices == sorted(indices)
    assert indices[-1] > indices[0]


def test_a_move_counts_the_same_above_and_below():
    above, below = SeverityEvidence(2.0, 5.0, 3, MATURE), SeverityEvidence(2.0, -5.0, 3, MATURE)
    assert severity_index(above) == severity_index(below)


def test_a_stream_still_calibrating_never_reaches_high():
    # given: the strongest evidence there is, one point short of a calibrated history
    strongest = SeverityEvidence(math.inf, math.inf, 10**6, CALIBRATION_POINTS - 1)
    # when
    label = severity_label(strongest)
    # then
    assert label == "medium"
    assert severity_label(SeverityEvidence(math.inf, math.inf, 10**6, CALIBRATION_POINTS)) == "critical"


def test_a_short_history_cannot_call_a_score_rare():
    # given: 20 scored points, all zero
    calibration = SeverityCalibration()
    for _ in range(20):
        calibration.observe(50.0, 0.0, scored=True)
    # when
    evidence = calibration.evidence(50.0, 0.99)
    # then: the tail is at least 1/(N+1)
    assert evidence.rarity_decades == pytest.approx(math.log10(21))


def test_the_calibration_measures_size_and_duration_in_the_streams_robust_units():
    # given: noise of standard deviation 2 around 50, then a drop to 30 for 40 points
    rng = random.Random(3)
    calibration = SeverityCalibration()
    for _ in range(5000):
        calibration.observe(50.0 + rng.gauss(0, 2), 0.0, scored=True)
    for _ in range(40):
        calibration.observe(30.0, 0.0, scored=True)
    # when
    evidence = calibration.evidence(30.0, 0.6)
    # then
    assert evidence.size_sigma == pytest.approx(-10.0, rel=0.1)
    assert evidence.duration_points == 41
    assert evidence.history_points == 5040
    assert calibration.evidence(50.0, 0.6).duration_points == 0


def test_the_calibration_state_is_bounded_and_round_trips_through_json_primitives():
    # given
    calibration = SeverityCalibration()
    for i in range(50_000):
        calibration.observe(float(i % 97), (i % 10) / 10, scored=i > 150)
    # when
    state = calibration.to_state()
    restored = SeverityCalibration.from_state(state)
    # then
    assert len(state["sample"]) < 1024
    assert restored == calibration


def test_the_processor_grades_alarms_after_warm_up_above_those_during_it():
    # given: a daily cycle, a deep sustained drop in warm-up and the same drop after calibration
    processor = StreamProcessor.new(kind="numeric", window_size=20)
    labels: list[tuple[int, str]] = []
    for i in range(12_000):
        dropped = 600 <= i < 700 or 11_000 <= i < 11_100
        value = 70 + 8 * math.sin(2 * math.pi * i / 288) + (-40 if dropped else 0)
        point, _ = processor.process(datetime.fromtimestamp(1_700_000_000 + 300 * i, tz=UTC), value, "")
        if point.alarm:
            labels.append((i, severity_label(point.severity)))
    # then
    warm = [RANKS[label] for i, label in labels if i < 700]
    late = [RANKS[label] for i, label in labels if 11_000 <= i < 11_100]
    assert warm and late
    assert max(warm) <= RANKS["medium"] < max(late)
