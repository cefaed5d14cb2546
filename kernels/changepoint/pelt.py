"""PELT: exact optimal partitioning with pruning (Killick, Fearnhead & Eckley, 2012).

Minimises ``sum(cost(segment)) + penalty * (#segments - 1)`` over all segmentations whose
segments have at least ``min_size`` points. The pruning rule drops a candidate start ``s``
once ``F(s) + cost(s, t) > F(t)``; it is exact for costs where splitting a segment never
raises its cost (true of every -2 log-likelihood here). With a minimum segment size the
test at ``t`` only rules ``s`` out for ends ``>= t + min_size`` (a split at ``t`` needs room
after it), so the removal waits until then; dropping it at once loses optima. Expected cost O(n) when the number of
changes grows with n, O(n^2) worst case.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

SegmentCost = Callable[[np.ndarray, int], np.ndarray]


MAX_GRID = 5000  # positions searched exactly; longer series search every ceil(n / MAX_GRID)-th


def grid_step(n: int) -> int:
    """Spacing of the change-point positions searched for an ``n``-point series.

    PELT's candidate set grows with the segment length, so a long change-free stretch costs
    O(n^2); above ``MAX_GRID`` points the search runs on a grid (positions within ``step``).

    Example:
        >>> grid_step(1000), grid_step(100_000)
        (1, 20)
    """
    return max(1, -(-n // MAX_GRID))


def pelt(cost: SegmentCost, n: int, penalty: float, min_size: int = 2, jump: int = 1) -> list[int]:
    """Optimal change points (starts of segments 2..k) of an ``n``-point series.

    Args:
        cost: ``cost(starts, end)`` -> cost of each segment ``[starts[i], end)``.
        n: number of points.
        penalty: added per change point (>= 0).
        min_size: fewest points per segment (>= 1).
        jump: change points only at multiples of ``jump`` (1 = exact over all positions).

    Example:
        >>> from kernels.changepoint.costs import MeanCost
        >>> x = np.r_[np.zeros(10), np.full(10, 4.0)] + np.tile([0.3, -0.3], 10)
        >>> pelt(MeanCost(x, sigma2=0.09), x.size, penalty=3 * np.log(20))
        [10]
    """
    if n < 2 * min_size:
        return []
    best = np.full(n + 1, np.inf)
    best[0] = -penalty  # the first segment carries no change-point penalty
    last = np.zeros(n + 1, dtype=np.int64)
    # candidate starts and the first end each is ruled out for, in preallocated buffers (the
    # loop is per point, so per-step allocations would dominate short series)
    starts, expiry = np.zeros(n + 1, dtype=np.int64), np.full(n + 1, n + 1, dtype=np.int64)
    k, added = 1, 0
    for end in range(min_size, n + 1):
        if jump > 1 and end % jump and end != n:
            continue
        while added + jump <= end - min_size:
            added += jump
            if added >= min_size:
                starts[k], expiry[k] = added, n + 1
                k += 1
        alive = expiry[:k] > end
        if not alive.all():
            keep = np.flatnonzero(alive)
            k = keep.size
            starts[:k], expiry[:k] = starts[keep], expiry[keep]
        live = starts[:k]
        totals = best[live] + cost(live, end) + penalty
        pick = int(np.argmin(totals))
        best[end], last[end] = totals[pick], live[pick]
        beaten = np.flatnonzero(totals - penalty > best[end])
        if beaten.size:
            expiry[beaten] = np.minimum(expiry[beaten], end + min_size)
    return _backtrack(last, n)


def _backtrack(last: np.ndarray, n: int) -> list[int]:
    points, end = [], n
    while end > 0:
        end = int(last[end])
        if end > 0:
            points.append(end)
    return points[::-1]


def segmentation_cost(cost: SegmentCost, n: int, points: list[int]) -> float:
    """Total unpenalised cost of the segmentation with the given change points.

    Example:
        >>> from kernels.changepoint.costs import MeanCost
        >>> c = MeanCost(np.array([0.0, 0.0, 2.0, 2.0]), sigma2=1.0)
        >>> round(segmentation_cost(c, 4, [2]) - segmentation_cost(c, 4, []), 6)
        -4.0
    """
    bounds = [0, *points, n]
    return float(sum(cost(np.array([a]), b)[0] for a, b in itertools.pairwise(bounds)))
