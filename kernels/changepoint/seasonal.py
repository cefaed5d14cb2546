"""Detect and remove one seasonal period, so a season is not mistaken for regime changes.

Detection: for each candidate period ``k`` the series minus its centred k-point moving
average (which follows levels, shifts and trends but cancels a period-k season) is
autocorrelated at lag ``k``; a period is taken when that is at least ``max(ACF_MIN, 3 / sqrt n)``
at a local peak and the series holds at least ``MIN_CYCLES`` cycles. Removal subtracts the per-phase median of the
residual around a running median of width ``p``, centred to mean zero so levels are untouched.
"""

from __future__ import annotations

import numpy as np

ACF_MIN = 0.3  # floor; short series need 3 / sqrt(n) (3 standard errors of a white-noise ACF)
MIN_CYCLES = 3
MIN_POINTS = 24
MAX_PERIOD = 400  # bounds the O(n * period) search


def detect_period(x: np.ndarray, max_period: int = MAX_PERIOD) -> int | None:
    """Dominant period of ``x`` in points, or None.

    Example:
        >>> x = np.sin(2 * np.pi * np.arange(120) / 12) + np.r_[np.zeros(60), np.ones(60)]
        >>> detect_period(x)
        12
    """
    n = x.size
    top = min(n // MIN_CYCLES, max_period)
    if n < MIN_POINTS or top < 3:
        return None
    acf = np.array([_period_acf(x, k) for k in range(3, top + 1)])
    floor = max(ACF_MIN, 3.0 / np.sqrt(n))
    lags = range(3, top + 1)
    peaks = [k for i, k in enumerate(lags) if acf[i] >= floor and (i == 0 or acf[i] >= acf[i - 1])
             and (i + 1 == acf.size or acf[i] >= acf[i + 1])]
    if not peaks:
        return None
    best = max(peaks, key=lambda k: acf[k - 3])
    # the fundamental, not a multiple: the shortest divisor of the best period that peaks nearly as high
    divisors = [best // m for m in range(2, best // 3 + 1) if best % m == 0 and best // m in peaks]
    strong = [d for d in divisors if acf[d - 3] >= 0.85 * acf[best - 3]]
    return int(min(strong)) if strong else int(best)


def _period_acf(x: np.ndarray, k: int) -> float:
    """Lag-k autocorrelation of x minus its centred k-point moving average.

    A k-point average removes a period-k season's mean exactly and follows levels, shifts and
    linear trends, so only a season of period k keeps a strong lag-k correlation.
    """
    csum = np.r_[0.0, np.cumsum(x)]
    average = (csum[k:] - csum[:-k]) / k
    r = x[k // 2 : k // 2 + average.size] - average
    r = r - r.mean()
    denom = float(r @ r)
    return float(r[k:] @ r[:-k]) / denom if denom > 0 and r.size > k else 0.0


def seasonal_profile(x: np.ndarray, positions: np.ndarray, period: int) -> np.ndarray:
    """Per-phase seasonal component (mean zero) at each point; ``positions`` are row indices.

    Example:
        >>> x = np.tile([1.0, -1.0, 0.0], 10)
        >>> np.round(seasonal_profile(x, np.arange(30), 3)[:3], 6).tolist()
        [1.0, -1.0, 0.0]
    """
    half = period // 2
    padded = np.pad(x, half, mode="edge")
    window = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    residual = x - np.median(window, axis=1)
    phase = positions % period
    medians = np.array([np.median(residual[phase == k]) if np.any(phase == k) else 0.0 for k in range(period)])
    medians -= medians.mean()
    return medians[phase]
