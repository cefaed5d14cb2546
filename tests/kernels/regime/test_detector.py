from __future__ import annotations

import numpy as np
import pytest

from kernels.regime import DetectorConfig, RegimeDetector, detect_stream

FIVE_MINUTES = 300.0


def _daily_series(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(n) * FIVE_MINUTES
    x = 50 + 20 * np.sin(2 * np.pi * t / 86400.0) + rng.normal(0, 2, n)
    return x, t


def test_it_scores_in_the_unit_interval_and_stays_silent_while_learning() -> None:
    # given
    x, t = _daily_series(3000)
    config = DetectorConfig(learning_period=200)
    # when
    result = detect_stream(x, t, config)
    # then
    assert result.scores.shape == x.shape and result.alarms.dtype == bool
    assert np.all((result.scores >= 0) & (result.scores < 1))
    assert not result.scores[:200].any()
    assert np.array_equal(result.alarms, result.scores >= config.alarm_threshold)


def test_it_has_no_look_ahead() -> None:
    # given: two streams sharing a prefix, then diverging wildly
    x, t = _daily_series(4000, seed=1)
    other = x.copy()
    other[2500:] = np.random.default_rng(9).normal(500, 100, 1500)
    # when
    a = detect_stream(x, t).scores
    b = detect_stream(other, t).scores
    # then: every score up to the divergence depends only on the shared prefix
    assert np.array_equal(a[:2500], b[:2500])
    assert not np.array_equal(a[2500:], b[2500:])


def test_it_alarms_at_a_level_shift_but_rarely_on_the_stationary_part() -> None:
    # given
    x, t = _daily_series(6000, seed=2)
    x[4000:] += 60.0
    # when
    result = detect_stream(x, t)
    # then: once a full daily cycle has been seen (600 points), false alarms are rare
    alarms = np.flatnonzero(result.alarms)
    assert alarms.size and 4000 <= alarms[alarms >= 4000][0] <= 4005
    assert np.count_nonzero((alarms >= 600) & (alarms < 4000)) <= 3


def test_it_never_alarms_on_a_flat_line_or_a_clean_cycle() -> None:
    # given
    flat = np.full(3000, 45.0)
    cycle = np.tile(np.r_[np.full(100, 20.0), np.full(100, 80.0)], 15)
    # when
    flat_alarms = detect_stream(flat).alarms
    cycle_alarms = detect_stream(cycle, np.arange(cycle.size) * FIVE_MINUTES).alarms
    # then
    assert not flat_alarms.any() and not cycle_alarms.any()


def test_it_suppresses_a_repeat_of_the_same_spike() -> None:
    # given
    x, t = _daily_series(3000, seed=3)
    x[2000] = x[2005] = 400.0
    # when
    scores = detect_stream(x, t).scores
    # then: the first spike alarms; its twin adds no new evidence
    assert scores[2000] > 0.8
    assert scores[2005] == 0.0


def test_it_gives_the_same_numbers_point_by_point() -> None:
    # given
    x, t = _daily_series(1500, seed=4)
    x[1200] = 300.0
    detector = RegimeDetector()
    # when
    streamed = [detector.update(ti, xi) for ti, xi in zip(t.tolist(), x.tolist(), strict=True)]
    batch = detect_stream(x, t)
    # then
    assert [s for s, _ in streamed] == batch.scores.tolist()
    assert [a for _, a in streamed] == batch.alarms.tolist()


def test_it_rejects_non_finite_or_mismatched_input() -> None:
    # given
    x = np.ones(10)
    # when / then
    with pytest.raises(ValueError, match="finite"):
        detect_stream(np.r_[x, np.nan])
    with pytest.raises(ValueError, match="equal length"):
        detect_stream(x, np.arange(5.0))
    with pytest.raises(ValueError, match="learning_period"):
        DetectorConfig(learning_period=1)
