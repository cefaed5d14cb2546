"""PELT against a naive exhaustive search over every segmentation of small series."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels.changepoint.costs import MeanCost, MeanVarCost, PoissonCost, TrendCost
from kernels.changepoint.pelt import pelt, segmentation_cost


def _exhaustive(cost, n: int, penalty: float, min_size: int) -> float:
    best = np.inf
    for k in range(n):
        for points in itertools.combinations(range(min_size, n - min_size + 1), k):
            bounds = [0, *points, n]
            if any(b - a < min_size for a, b in itertools.pairwise(bounds)):
                continue
            best = min(best, segmentation_cost(cost, n, list(points)) + penalty * k)
    return best


def _costs(x: np.ndarray):
    counts = np.round(np.abs(x))
    return [MeanCost(x, 1.0), MeanVarCost(x, 1.0), TrendCost(x, np.arange(x.size, dtype=float), 1.0),
            PoissonCost(counts)]


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.floats(-5, 5, allow_nan=False), min_size=4, max_size=11),
    penalty=st.floats(0.0, 8.0),
    min_size=st.integers(2, 3),
)
def test_it_finds_the_exhaustive_optimum(values: list[float], penalty: float, min_size: int) -> None:
    # given
    x = np.array(values) + np.repeat([0.0, 4.0], [len(values) // 2, len(values) - len(values) // 2])
    for cost in _costs(x):
        size = max(min_size, cost.min_size)
        # when
        points = pelt(cost, x.size, penalty, size)
        # then
        found = segmentation_cost(cost, x.size, points) + penalty * len(points)
        assert found <= _exhaustive(cost, x.size, penalty, size) + 1e-7
        bounds = [0, *points, x.size]
        assert all(b - a >= size for a, b in itertools.pairwise(bounds))


def test_it_returns_no_change_when_the_series_is_too_short_to_split() -> None:
    # given
    cost = MeanCost(np.array([0.0, 9.0, 0.0]), 1.0)
    # when
    points = pelt(cost, 3, 0.0, 2)
    # then
    assert points == []


@settings(max_examples=25, deadline=None)
@given(values=st.lists(st.floats(-5, 5, allow_nan=False), min_size=6, max_size=13), jump=st.integers(2, 3))
def test_it_finds_the_optimum_over_grid_positions_with_a_jump(values: list[float], jump: int) -> None:
    # given
    x = np.array(values)
    cost = MeanCost(x, 1.0)
    n, penalty = x.size, 2.0
    # when
    points = pelt(cost, n, penalty, 2, jump)
    # then: exhaustive search restricted to multiples of jump
    best = np.inf
    grid = [g for g in range(jump, n, jump) if 2 <= g <= n - 2]
    for k in range(len(grid) + 1):
        for chosen in itertools.combinations(grid, k):
            bounds = [0, *chosen, n]
            if all(b - a >= 2 for a, b in itertools.pairwise(bounds)):
                best = min(best, segmentation_cost(cost, n, list(chosen)) + penalty * k)
    assert all(p % jump == 0 for p in points)
    assert segmentation_cost(cost, n, points) + penalty * len(points) <= best + 1e-7
