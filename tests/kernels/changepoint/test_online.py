from __future__ import annotations

import json

import numpy as np

from kernels.changepoint import OnlineConfig, OnlineDetector


def _series(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.r_[rng.normal(0, 1, 150), rng.normal(5, 1, 150), rng.normal(5, 4, 150)]


def _run(det: OnlineDetector, x: np.ndarray) -> list[tuple[int, int]]:
    found = []
    for seen, value in enumerate(x, start=1):
        cp = det.update(float(value))
        if cp is not None:
            found.append((cp.index, seen))
    return found


def test_it_confirms_changes_within_its_delay_bound() -> None:
    # given
    det = OnlineDetector()
    # when
    found = _run(det, _series())
    # then
    assert [abs(index - true) <= 5 for (index, _), true in zip(found, (150, 300), strict=True)] == [True, True]
    assert all(0 <= seen - index <= det.delay_bound for index, seen in found)


def test_it_stays_quiet_on_stationary_noise() -> None:
    # given
    det = OnlineDetector()
    # when
    found = _run(det, np.random.default_rng(7).normal(3, 2, 1000))
    # then
    assert len(found) <= 1


def test_it_keeps_its_posterior_bounded() -> None:
    # given
    det = OnlineDetector(OnlineConfig(max_run_length=60))
    # when
    _run(det, np.random.default_rng(1).normal(0, 1, 500))
    # then
    assert det.arrays["log_r"].size <= 61 and len(det.history) <= 61
    assert abs(float(np.exp(det.arrays["log_r"]).sum()) - 1.0) < 1e-9


def test_it_resumes_from_a_json_state_exactly() -> None:
    # given
    x = _series(2)
    whole = OnlineDetector()
    first = _run(whole, x)
    half = OnlineDetector()
    early = _run(half, x[:200])
    # when
    resumed = OnlineDetector.from_state(json.loads(json.dumps(half.state_dict(), allow_nan=False)))
    late = [(index, seen + 200) for index, seen in _run(resumed, x[200:])]
    # then
    assert early + late == first


def test_it_skips_missing_values() -> None:
    # given
    det = OnlineDetector()
    # when
    result = det.update(float("nan"))
    # then
    assert result is None and det.seen == 0
