"""The tracker's ``noise: "ar1"`` setting: red noise is not a regime change, a level shift still is."""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np
import pytest

from kernels.changepoint.tracker import BoundaryTracker, TrackerConfig
from kernels.changepoint.whiten import Ar1Whitener, fit_phi

STRICT = {"model": "level", "hazard": 0.001, "threshold": 0.95, "max_run_length": 200}


def red_noise(n: int, phi: float, seed: int) -> np.ndarray:
    """AR(1) noise of unit marginal standard deviation."""
    e = np.random.default_rng(seed).normal(size=n) * math.sqrt(1 - phi * phi)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return x


def boundaries(config: TrackerConfig, values: np.ndarray) -> list[tuple[int, int, int]]:
    """(point raised at, boundary index, delay) of every boundary the tracker confirms."""
    tracker = BoundaryTracker.new(config)
    return [(i, b.index, b.delay) for i, v in enumerate(values) for b in tracker.observe(60.0 * i, float(v))]


def test_red_noise_without_a_change_stays_within_the_hazard_when_whitened() -> None:
    # given: 3 x 2,000 points of AR(1) noise (phi = 0.9) and no change at all
    series = [red_noise(2000, 0.9, seed) for seed in range(3)]
    # when
    plain = sum(len(boundaries(TrackerConfig(**STRICT), x)) for x in series)
    whitened = sum(len(boundaries(TrackerConfig(**STRICT, noise="ar1", learn=200), x)) for x in series)
    # then: at most the hazard's share of the 5,400 tracked points; the i.i.d. model takes excursions for regimes
    assert whitened <= 0.001 * 3 * 1800
    assert plain > 10 * max(whitened, 1)


def test_a_level_shift_in_red_noise_is_found_within_the_delay_bound() -> None:
    # given: phi = 0.8 noise whose level rises by 4 marginal standard deviations at point 600; the innovations
    # carry a 0.8-sd step, so the check needs persist = 20 points of it (at the default 6 it drops the candidate)
    x = red_noise(1000, 0.8, 11)
    x[600:] += 4.0
    config = TrackerConfig(**STRICT, noise="ar1", learn=200, persist=20)
    # when
    found = boundaries(config, x)
    # then
    assert len(found) == 1
    raised, index, delay = found[0]
    assert abs(index - 600) <= config.tolerance and delay <= BoundaryTracker.new(config).delay_bound
    assert raised + 1 - index == delay  # delay counts the new regime's points seen, the raising one included


def test_the_filter_is_fitted_on_the_learning_points_only() -> None:
    # given: a whitener that learns on 200 points of phi = 0.7 noise, then sees a random walk
    whitener = Ar1Whitener(learn=200)
    learning = red_noise(200, 0.7, 3)
    # when
    fed = [whitener.feed(float(v)) for v in np.r_[learning, np.cumsum(np.ones(50))]]
    # then: frozen after learning, and each innovation is x_t - phi x_(t-1)
    assert fed[:200] == [None] * 200 and whitener.phi == pytest.approx(fit_phi(learning))
    assert fed[201] == pytest.approx(2.0 - whitener.phi * 1.0)


def test_missing_points_leave_the_filter_unchanged() -> None:
    # given
    whitener = Ar1Whitener(learn=20, phi=0.5, last=2.0)
    # when
    missing = whitener.feed(math.nan)
    after = whitener.feed(3.0)
    # then
    assert math.isnan(missing or 0.0) and after == pytest.approx(3.0 - 0.5 * 2.0)


def test_a_tracker_state_round_trips_while_learning_and_after() -> None:
    # given
    tracker = BoundaryTracker.new(TrackerConfig(**STRICT, noise="ar1", learn=50))
    x = red_noise(120, 0.6, 5)
    for i, v in enumerate(x[:30]):
        tracker.observe(float(i), float(v))
    learning = BoundaryTracker.from_state(tracker.state_dict())
    # when
    for i, v in enumerate(x[30:], start=30):
        tracker.observe(float(i), float(v))
        learning.observe(float(i), float(v))
    # then
    assert learning.state_dict() == tracker.state_dict()
    assert BoundaryTracker.from_state(tracker.state_dict()).state_dict() == tracker.state_dict()


@pytest.mark.parametrize("settings", [{"learn": 100}, {"noise": "ar1"}, {"noise": "ar1", "learn": 5},
                                      {"noise": "ar1", "learn": 100, "model": "counts"}, {"noise": "pink"}])
def test_it_refuses_inconsistent_noise_settings(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TrackerConfig(**settings)  # type: ignore[arg-type]


def test_a_tracked_stream_switched_to_ar1_dates_its_boundaries_on_the_stream() -> None:
    # given: 300 points tracked as i.i.d., then the stream's settings switch to ar1 (as apps/signals reconfigures a
    # tracked stream: the saved state with the new config), and the level rises 4 sd at stream point 900
    x = red_noise(1200, 0.8, 11)
    x[900:] += 4.0
    tracker = BoundaryTracker.new(TrackerConfig(**STRICT, enabled=False))
    for i, v in enumerate(x[:300]):
        tracker.observe(60.0 * i, float(v))
    config = TrackerConfig(**STRICT, noise="ar1", learn=200, persist=20)
    switched = BoundaryTracker.from_state({**tracker.state_dict(), "config": asdict(config)})
    # when
    found = [b.index for i, v in enumerate(x[300:], start=300) for b in switched.observe(60.0 * i, float(v))]
    # then: the filter learnt on points 300-499 and the boundary is dated in the stream's own counting
    assert switched.whitener is not None and switched.whitener.phi is not None
    assert len(found) == 1 and abs(found[0] - 900) <= config.tolerance
