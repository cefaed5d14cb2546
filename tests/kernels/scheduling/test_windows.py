from __future__ import annotations

import numpy as np
import pytest

from kernels.scheduling import (
    Forecast,
    Prior,
    best_start,
    deadline_misses,
    emissions,
    expected_duration,
    offline_optimum,
    window_mean,
)


def _random_forecast(rng: np.random.Generator, n: int) -> Forecast:
    widths = rng.integers(1, 5, size=n).astype(np.float64) * 900.0
    starts = np.concatenate([[0.0], np.cumsum(widths)[:-1]])
    return Forecast(starts=starts, ends=starts + widths, values=rng.uniform(20.0, 600.0, size=n))


@pytest.mark.parametrize("seed", range(20))
def test_best_start_matches_a_brute_force_search_over_every_second_minute(seed: int) -> None:
    # given: a random forecast and a job that fits with slack
    rng = np.random.default_rng(seed)
    forecast = _random_forecast(rng, 12)
    duration = float(rng.integers(1, 20)) * 600.0
    earliest = float(rng.integers(0, 10)) * 300.0
    deadline = earliest + duration + float(rng.integers(0, 60)) * 600.0
    # when
    placement = best_start(forecast, duration_s=duration, earliest=earliest, deadline=deadline)
    grid = np.arange(earliest, deadline - duration + 1e-9, 60.0)
    brute = window_mean(forecast, grid, np.full(grid.shape, duration)).min()
    # then: never worse than any start on a one-minute grid, and always within the allowed range
    assert placement.feasible
    assert placement.mean <= brute + 1e-9
    assert earliest <= placement.start <= deadline - duration


def test_it_runs_at_once_when_now_is_already_the_cleanest_window() -> None:
    # given
    forecast = Forecast.from_values([100.0, 300.0, 300.0], start=0.0, step=3600.0)
    # when
    placement = best_start(forecast, duration_s=1800.0, earliest=0.0, deadline=3 * 3600.0)
    # then
    assert (placement.start, placement.mean) == (0.0, 100.0)


def test_the_offline_optimum_is_a_lower_bound_of_running_at_once_and_never_misses() -> None:
    # given
    rng = np.random.default_rng(7)
    actual = _random_forecast(rng, 48)
    arrivals = rng.uniform(0, 40 * 900.0, size=50)
    durations = rng.uniform(300.0, 3600.0, size=50)
    deadlines = arrivals + durations + rng.uniform(0, 6 * 3600.0, size=50)
    energy = rng.uniform(0.1, 2.0, size=50)
    # when
    optimum = offline_optimum(actual, arrivals, durations, deadlines)
    # then
    assert emissions(actual, optimum, durations, energy).sum() <= emissions(actual, arrivals, durations,
                                                                            energy).sum()
    assert deadline_misses(optimum, durations, deadlines) == 0


def test_it_refuses_slots_that_are_not_contiguous() -> None:
    # when / then
    with pytest.raises(ValueError, match="contiguous"):
        Forecast(starts=np.array([0.0, 20.0]), ends=np.array([10.0, 30.0]), values=np.array([1.0, 2.0]))


def test_expected_duration_follows_the_measured_history_not_the_prior() -> None:
    # given: a kind that measured 2 s + 1 µs per unit of size, and a prior ten times too slow
    sizes = np.array([1e5, 5e5, 1e6, 2e6, 4e6])
    walls = 2.0 + sizes * 1e-6
    prior = Prior(work_per_s=1e5, overhead_s=0.0)
    # when
    expected = expected_duration(sizes, walls, size=3e6, prior=prior)
    cold = expected_duration(sizes[:2], walls[:2], size=3e6, prior=prior)
    # then
    assert expected == pytest.approx(5.0)
    assert cold == pytest.approx(30.0)
