"""Detect and remove one seasonal period, so a season is not mistaken for regime changes.

Detection uses the autocorrelation of first differences: differencing removes levels and
shifts (a shift becomes one spike), but keeps a periodic shape periodic. A period ``p`` is
taken when its autocorrelation is at least ``ACF_MIN`` and the series holds at least
``MIN_CYCLES`` cycles. Removal subtracts the per-phase median of the residual around a
running median of width ``p``, centred to mean zero so levels are untouched.
"""

from __future__ import annotations

import numpy as np

ACF_MIN = 0.4
MIN_CYCLES = 3
MIN_POINTS = 24


def detect_period(x: np.ndarray, max_period: int | None = None) -> int | None:
    """Dominant period of ``x`` in points, or None.

    Example:
        >>> x = np.sin(2 * np.pi * np.arange(120) / 12) + np.r_[np.zeros(60), np.ones(60)]
        >>> detect_period(x)
        12
    """
    n = x.size
    top = min(n // MIN_CYCLES, max_period or n)
    if n < MIN_POINTS or top < 3:
        return None
    d = np.diff(x) - np.mean(np.diff(x))
    denom = float(d @ d)
    if denom <= 0:
        return None
    acf = np.array([float(d[k:] @ d[:-k]) / denom for k in range(1, top + 1)])
    lags = np.arange(1, top + 1)
    peaks = [k for k in range(3, top) if acf[k - 1] >= ACF_MIN and acf[k - 1] >= acf[k - 2] and acf[k - 1] >= acf[k]]
    if not peaks:
        return None
    best = max(acf[k - 1] for k in peaks)
    # the fundamental, not a multiple: the first peak close to the best one
    return int(next(k for k in peaks if acf[k - 1] >= 0.85 * best)) if lags.size else None


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
