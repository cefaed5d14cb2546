from __future__ import annotations

import json

import numpy as np
import pytest

from kernels.changepoint import SegmentConfig, segment


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_it_finds_a_level_shift_and_says_how_big() -> None:
    # given
    x = np.r_[_rng().normal(0, 1, 120), _rng(1).normal(4, 1, 80)]
    # when
    result = segment(x)
    # then
    assert [cp.index for cp in result.change_points] == [pytest.approx(120, abs=2)]
    cp = result.change_points[0]
    assert cp.kind == "level" and cp.summary.startswith("level +") and cp.confidence > 0.99 and cp.gain > 0
    assert [(s.start, s.end) for s in result.segments] == [(0, cp.index), (cp.index, 200)]


def test_it_names_a_variance_change() -> None:
    # given
    x = np.r_[_rng().normal(0, 1, 150), _rng(1).normal(0, 4, 150)]
    # when
    result = segment(x)
    # then
    assert len(result.change_points) == 1 and abs(result.change_points[0].index - 150) <= 5
    assert result.change_points[0].kind == "variance" and "variance ×" in result.change_points[0].summary


def test_it_follows_a_slope_change_with_the_trend_model() -> None:
    # given
    t = np.arange(200.0)
    x = np.where(t < 100, 0.1 * t, 10 - 0.2 * (t - 100)) + _rng().normal(0, 0.3, 200)
    # when
    result = segment(x)
    # then
    assert result.model == "trend"
    assert [cp.index for cp in result.change_points] == [pytest.approx(100, abs=3)]
    assert result.change_points[0].kind == "slope"
    assert result.segments[0].slope == pytest.approx(0.1, abs=0.02)


def test_it_uses_timestamps_for_slopes_in_units_per_hour() -> None:
    # given: 5-minute samples, slope +1 per hour then -2 per hour
    t = np.arange(240.0) * 300.0
    x = np.where(t < 36000, t / 3600, 10 - 2 * (t - 36000) / 3600) + _rng().normal(0, 0.05, 240)
    # when
    result = segment(x, timestamps=t)
    # then
    cp = result.change_points[0]
    assert cp.summary.endswith("/h") and cp.stats["slope_before"] == pytest.approx(1.0, abs=0.1)
    assert cp.t == pytest.approx(t[cp.index])


def test_it_reads_counts_as_poisson() -> None:
    # given
    x = _rng().poisson(np.r_[np.full(80, 2.0), np.full(80, 7.0)]).astype(float)
    # when
    result = segment(x)
    # then
    assert result.model == "poisson" and result.change_points[0].kind == "rate"
    assert abs(result.change_points[0].index - 80) <= 4


def test_it_keeps_white_noise_in_one_segment() -> None:
    # given
    x = _rng(3).normal(0, 1, 500)
    # when
    result = segment(x)
    # then
    assert result.change_points == () and result.segments[0].n == 500


def test_it_does_not_split_autocorrelated_noise_without_change() -> None:
    # given: AR(1) with rho = 0.6
    e = _rng(4).normal(0, 1, 800)
    x = np.zeros(800)
    for i in range(1, 800):
        x[i] = 0.6 * x[i - 1] + e[i]
    # when
    result = segment(x)
    # then
    assert len(result.change_points) <= 1


def test_it_ignores_heavy_tailed_spikes() -> None:
    # given
    x = _rng(5).normal(0, 1, 300)
    x[[40, 41, 150, 230]] = [25.0, -30.0, 40.0, -22.0]
    # when
    result = segment(x)
    # then
    assert result.change_points == ()


def test_it_removes_a_season_before_segmenting() -> None:
    # given
    n = 240
    x = 3 * np.sin(2 * np.pi * np.arange(n) / 12) + np.r_[np.zeros(120), np.full(120, 2.0)]
    x += _rng().normal(0, 0.4, n)
    # when
    result = segment(x)
    # then
    assert result.period == 12
    assert [cp.index for cp in result.change_points] == [pytest.approx(120, abs=3)]


def test_it_maps_change_points_back_over_missing_rows() -> None:
    # given: missing values just before the shift
    x = np.r_[_rng().normal(0, 1, 40), _rng(1).normal(6, 1, 40)]
    x[[5, 36, 37, 38, 39]] = np.nan
    # when
    result = segment(x)
    # then
    assert [cp.index for cp in result.change_points] == [40]
    assert result.segments[0].n == 35 and result.segments[-1].end == 80


def test_it_works_from_ten_points() -> None:
    # given
    x = np.r_[np.zeros(5), np.full(5, 10.0)] + np.tile([0.1, -0.1], 5)
    # when
    result = segment(x)
    # then
    assert [cp.index for cp in result.change_points] == [5]


def test_it_returns_one_segment_under_ten_points() -> None:
    # when
    result = segment(np.array([0.0, 0.0, 9.0, 9.0, 9.0]))
    # then
    assert result.change_points == () and (result.segments[0].start, result.segments[0].end) == (0, 5)


def test_it_honours_a_fixed_model_and_penalty() -> None:
    # given
    x = np.r_[np.zeros(20), np.ones(20)] + _rng().normal(0, 0.2, 40)
    # when
    result = segment(x, config=SegmentConfig(model="mean", penalty=1e9))
    # then
    assert result.model == "mean" and result.penalty == 1e9 and result.change_points == ()


def test_its_result_is_json_ready() -> None:
    # given
    x = np.r_[_rng().normal(0, 1, 60), _rng(1).normal(5, 1, 60)]
    # when
    text = json.dumps(segment(x).to_dict(), allow_nan=False)
    # then
    data = json.loads(text)
    assert data["change_points"][0]["index"] > 0 and "energy" in data["segments"][0]["features"]


@pytest.mark.parametrize(
    ("values", "timestamps", "message"),
    [
        (np.array([]), None, "non-empty"),
        (np.array([1.0, np.inf]), None, "infinite"),
        (np.ones(3), np.ones(2), "shape"),
        (np.ones(3), np.array([0.0, 2.0, 1.0]), "backwards"),
        (np.ones(3), np.array([0.0, np.nan, 1.0]), "finite"),
    ],
)
def test_it_rejects_bad_input_with_a_clear_message(values, timestamps, message: str) -> None:
    # when / then
    with pytest.raises(ValueError, match=message):
        segment(values, timestamps)


def test_it_rejects_an_unknown_model() -> None:
    with pytest.raises(ValueError, match="model must be one of"):
        SegmentConfig(model="magic")


def test_it_calls_a_change_of_seasonal_amplitude_seasonal() -> None:
    # given: a 12-point season that switches on at row 144
    r = np.arange(288)
    x = np.where(r < 144, 0.0, 3.0) * np.sin(2 * np.pi * r / 12) + _rng(6).normal(0, 0.5, 288)
    # when
    result = segment(x)
    # then
    assert result.model == "seasonal" and result.period == 12
    cp = max(result.change_points, key=lambda c: c.gain)
    assert abs(cp.index - 144) <= 6 and cp.kind == "seasonal" and "seasonal amplitude" in cp.summary
