from __future__ import annotations

import math

import numpy as np
import pytest

from kernels.nab import PROFILES, FileSweep, file_score_at, file_sweep, normalise, score_corpus, threshold_curve


def _reference_curve(scores: list[np.ndarray], sweeps: list[FileSweep], profile_name: str) -> list[tuple[float, float]]:
    """Plain transcription of upstream ``Sweeper.calcScoreByThreshold`` (one row at a time)."""
    profile = PROFILES[profile_name]
    rows = []
    for f, (score, sweep) in enumerate(zip(scores, sweeps, strict=True)):
        weighted = sweep.weighted(profile)
        for i in range(score.size):
            if sweep.window[i] != -2:
                name = None if sweep.window[i] == -1 else (f, int(sweep.window[i]))
                rows.append((float(score[i]), name, float(weighted[i])))
    parts: dict[object, float] = {"fp": 0.0}
    for _, name, _ in rows:
        if name is not None:
            parts[name] = -profile.fn_weight
    out, current = [], 1.1
    for anomaly, name, value in sorted(rows, key=lambda r: r[0], reverse=True):
        if anomaly != current:
            out.append((current, sum(parts.values())))
            current = anomaly
        if name is None:
            parts["fp"] += value
        else:
            parts[name] = max(parts[name], value)
    out.append((current, sum(parts.values())))
    return out


def _hand_example() -> tuple[np.ndarray, FileSweep]:
    # 20 rows, probation rows 0-2, one window on rows 10-13; detections at 5 (FP), 11 (TP), 15 (FP)
    score = np.zeros(20)
    score[[5, 11, 15]] = 1.0
    return score, file_sweep(20, np.array([[10, 13]]))


def _ss(x: float) -> float:
    return 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0


def test_it_scores_a_hand_made_file() -> None:
    # given
    score, sweep = _hand_example()
    # when
    raw = file_score_at(score, sweep, PROFILES["standard"], 0.5)
    # then: -0.11 (no window before) + ss(-3/4)/ss(-1) (TP) + 0.11 * ss(2/3) (2 rows past a 4-row window)
    assert raw == pytest.approx(-0.11 + _ss(-0.75) / _ss(-1.0) + 0.11 * _ss(2.0 / 3.0))
    assert raw == pytest.approx(0.754567, abs=1e-6)


@pytest.mark.parametrize(
    ("profile", "expected"),
    [("standard", 87.728352), ("reward_low_FP_rate", 77.107249), ("reward_low_FN_rate", 91.818901)],
)
def test_it_normalises_between_the_null_and_the_perfect_detector(profile: str, expected: float) -> None:
    # given
    score, sweep = _hand_example()
    # when
    result = score_corpus([score], [sweep], PROFILES[profile])
    # then: null = -fn_weight (one window), perfect = +1
    assert result.null_score == -PROFILES[profile].fn_weight
    assert result.normalised == pytest.approx(expected, abs=1e-5)


def test_it_counts_only_the_earliest_detection_in_a_window() -> None:
    # given
    sweep = file_sweep(20, np.array([[10, 13]]))
    one, three = np.zeros(20), np.zeros(20)
    one[11] = 1.0
    three[[11, 12, 13]] = 1.0
    # when
    raw_one = file_score_at(one, sweep, PROFILES["standard"], 0.5)
    raw_three = file_score_at(three, sweep, PROFILES["standard"], 0.5)
    # then
    assert raw_three == pytest.approx(raw_one)


def test_it_ignores_detections_in_the_probationary_period() -> None:
    # given
    sweep = file_sweep(20, np.array([[10, 13]]))
    score = np.zeros(20)
    score[[0, 1, 2]] = 1.0
    # when
    raw = file_score_at(score, sweep, PROFILES["standard"], 0.5)
    # then
    assert raw == -1.0


def test_it_sweeps_thresholds_like_the_upstream_loop() -> None:
    # given: random scores with ties over three files
    rng = np.random.default_rng(7)
    sweeps = [
        file_sweep(300, np.array([[100, 139], [200, 229]])),
        file_sweep(200, np.zeros((0, 2))),
        file_sweep(250, np.array([[40, 90]])),
    ]
    scores = [np.round(rng.random(s.window.size), 2) for s in sweeps]
    for name in PROFILES:
        # when
        curve = threshold_curve(scores, sweeps, PROFILES[name])
        # then
        reference = _reference_curve(scores, sweeps, name)
        assert curve.thresholds.tolist() == pytest.approx([t for t, _ in reference])
        assert curve.scores.tolist() == pytest.approx([s for _, s in reference], abs=1e-9)


def test_it_picks_the_highest_threshold_among_equal_best_scores() -> None:
    # given: one TP at 0.9; an FP at 0.8 only hurts; lowering past 0.5 changes nothing
    sweep = file_sweep(20, np.array([[10, 13]]))
    score = np.full(20, 0.1)
    score[10], score[5] = 0.9, 0.8
    # when
    threshold, raw = threshold_curve([score], [sweep], PROFILES["standard"]).best()
    # then
    assert threshold == 0.9
    assert raw == pytest.approx(1.0)


def test_it_scores_the_null_detector_zero_and_the_perfect_detector_hundred() -> None:
    # given
    sweeps = [file_sweep(1000, np.array([[300, 339], [700, 759]])), file_sweep(800, np.array([[500, 580]]))]
    null = [np.zeros(s.window.size) for s in sweeps]
    perfect = [np.isin(np.arange(s.window.size), [300, 700]).astype(float) for s in sweeps[:1]]
    perfect.append(np.isin(np.arange(800), [500]).astype(float))
    for name in PROFILES:
        # when
        null_result = score_corpus(null, sweeps, PROFILES[name])
        perfect_result = score_corpus(perfect, sweeps, PROFILES[name])
        # then
        assert null_result.normalised == pytest.approx(0.0)
        assert perfect_result.normalised == pytest.approx(100.0)


def test_it_leaves_normalisation_undefined_without_windows() -> None:
    # given / when
    value = normalise(-0.5, 0.0, 0.0)
    # then
    assert math.isnan(value)
