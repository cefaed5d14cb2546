from __future__ import annotations

import math

import numpy as np
import pytest

from kernels.nab import PROFILES, file_sweep, probationary_length, scaled_sigmoid, window_indices


def _sigmoid_by_hand(x: float) -> float:
    return 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0


def test_it_evaluates_the_scaled_sigmoid_like_upstream() -> None:
    # given
    positions = np.array([-1.0, -0.5, 0.0, 1.0, 3.0, 3.01])
    # when
    values = scaled_sigmoid(positions)
    # then
    expected = [_sigmoid_by_hand(x) for x in positions[:5]] + [-1.0]
    assert values == pytest.approx(expected, abs=1e-12)
    assert values[0] == pytest.approx(0.98661429815, abs=1e-10)


@pytest.mark.parametrize(("rows", "expected"), [(1000, 150), (4032, 604), (5000, 750), (22695, 750), (10, 1)])
def test_it_caps_the_probationary_period_at_fifteen_percent_or_750_rows(rows: int, expected: int) -> None:
    # given / when
    length = probationary_length(rows)
    # then
    assert length == expected


def test_it_labels_probation_windows_and_the_outside() -> None:
    # given
    bounds = np.array([[10, 13]])
    # when
    sweep = file_sweep(20, bounds)
    # then
    assert sweep.window.tolist() == [-2] * 3 + [-1] * 7 + [0] * 4 + [-1] * 6
    assert sweep.n_windows == 1


def test_it_pays_one_tp_weight_at_the_window_start_and_less_later() -> None:
    # given
    sweep = file_sweep(20, np.array([[10, 13]]))
    # when
    weighted = sweep.weighted(PROFILES["standard"])
    # then: position of row i is -(13 - i + 1) / 4
    assert weighted[10] == pytest.approx(1.0)
    assert weighted[11] == pytest.approx(_sigmoid_by_hand(-0.75) / _sigmoid_by_hand(-1.0))
    assert weighted[13] == pytest.approx(_sigmoid_by_hand(-0.25) / _sigmoid_by_hand(-1.0))
    assert weighted[10] > weighted[11] > weighted[12] > weighted[13] > 0


def test_it_charges_a_full_fp_before_any_window_and_a_decaying_one_after() -> None:
    # given
    sweep = file_sweep(40, np.array([[10, 13]]))
    # when
    weighted = sweep.weighted(PROFILES["standard"])
    # then: after the window, position = (i - 13) / (4 - 1); past 3 widths it is -1 again
    assert weighted[8] == pytest.approx(-0.11)
    assert weighted[15] == pytest.approx(0.11 * _sigmoid_by_hand(2.0 / 3.0))
    assert weighted[14] > weighted[15] > weighted[20]
    assert weighted[23] == pytest.approx(-0.11)


def test_it_measures_fp_distance_from_the_latest_window() -> None:
    # given: a wide first window and a narrow second one
    sweep = file_sweep(60, np.array([[10, 19], [30, 31]]))
    # when
    unweighted = sweep.unweighted
    # then: row 33 is 2 rows past a width-2 window, i.e. position 2 / (2 - 1) = 2
    assert unweighted[33] == pytest.approx(_sigmoid_by_hand(2.0))
    assert unweighted[25] == pytest.approx(_sigmoid_by_hand(6.0 / 9.0))


def test_it_maps_window_timestamps_to_rows() -> None:
    # given
    stamps = np.arange("2020-01-01T00:00", "2020-01-01T01:00", 5, dtype="datetime64[m]").astype("datetime64[s]")
    windows = np.array([["2020-01-01T00:10:00", "2020-01-01T00:25:00"]], dtype="datetime64[us]")
    # when
    bounds = window_indices(stamps, windows)
    # then
    assert bounds.tolist() == [[2, 5]]


def test_it_rejects_window_edges_that_are_not_timestamps() -> None:
    # given
    stamps = np.arange(10).astype("datetime64[s]")
    windows = np.array([[2, 30]]).astype("datetime64[s]")
    # when / then
    with pytest.raises(ValueError, match="not among the timestamps"):
        window_indices(stamps, windows)
