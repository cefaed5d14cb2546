"""A job's expected run time from the measured history of its kind: wall seconds against the job's size
measure (cells x steps, points, ...), fitted as ``overhead + rate x size``."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Prior:
    """What to expect of a kind with too little history: ``overhead_s + size / work_per_s``."""

    work_per_s: float
    overhead_s: float


def expected_duration(sizes: np.ndarray, walls: np.ndarray, *, size: float, prior: Prior,
                      min_history: int = 3) -> float:
    """Expected wall seconds for a job of ``size``, from past (size, wall_s) pairs of shape (n,).

    A least-squares line through the history when its sizes spread (both coefficients clipped at zero: a run
    never gets faster as it grows); the median rate (wall / size) when they do not; the prior with fewer than
    ``min_history`` points. Never below the smallest wall time seen, nor below one second.

    >>> prior = Prior(work_per_s=1e6, overhead_s=2.0)
    >>> expected_duration(np.array([]), np.array([]), size=4e6, prior=prior)
    6.0
    >>> round(expected_duration(np.array([1e6, 2e6, 4e6]), np.array([3.0, 5.0, 9.0]), size=8e6, prior=prior), 6)
    17.0
    """
    s = np.asarray(sizes, dtype=np.float64)
    w = np.asarray(walls, dtype=np.float64)
    keep = np.isfinite(s) & np.isfinite(w) & (s > 0) & (w > 0)
    s, w = s[keep], w[keep]
    if s.size < min_history:
        return max(1.0, prior.overhead_s + size / prior.work_per_s)
    if np.ptp(s) > 0.1 * float(np.max(s)):
        rate, overhead = np.polyfit(s, w, 1)
        if rate < 0:
            rate, overhead = 0.0, float(np.median(w))
        estimate = max(0.0, float(overhead)) + float(rate) * size
    else:
        estimate = float(np.median(w / s)) * size
    return max(1.0, float(np.min(w)) if size >= float(np.min(s)) else 1.0, estimate)
