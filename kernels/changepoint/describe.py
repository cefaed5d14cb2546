"""Statistics of segments and plain-words descriptions of the changes between them."""

from __future__ import annotations

import math

import numpy as np

from kernels.changepoint.scale import mad_sigma
from kernels.changepoint.types import ChangePoint, Segment
from kernels.signal_compiler import SignalConfig, compile_signals

FEATURE_MIN_POINTS = 8  # the signal compiler's entropy rate needs a few pairs per window
FEATURES = ("energy", "temperature", "entropy", "entropy_rate", "free_energy", "lag1")


def line_fit(u: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """Least-squares (intercept at mean u, slope); slope 0 when u is constant.

    Example:
        >>> line_fit(np.arange(4.0), np.array([1.0, 3, 5, 7]))
        (4.0, 2.0)
    """
    if v.size < 2 or float(np.ptp(u)) == 0.0:
        return float(np.mean(v)) if v.size else math.nan, 0.0
    du = u - u.mean()
    return float(v.mean()), float(du @ (v - v.mean()) / (du @ du))


def segment_features(v: np.ndarray, baseline: float) -> dict[str, float]:
    """Energy/entropy signals of one segment as a single window (empty when too short).

    Energy is measured against the whole series' ``baseline``, so it carries the level shift.

    Example:
        >>> sorted(segment_features(np.arange(10.0), baseline=0.0))[:3]
        ['energy', 'entropy', 'entropy_rate']
    """
    if v.size < FEATURE_MIN_POINTS:
        return {}
    bins = int(min(16, max(2, v.size // 4)))
    sig = compile_signals(v, SignalConfig(window=v.size, step=v.size, n_bins=bins, baseline=baseline))
    return {name: float(getattr(sig, name)[0]) for name in FEATURES}


def make_segment(
    bounds: tuple[int, int], v: np.ndarray, u: np.ndarray, times: np.ndarray | None, baseline: float
) -> Segment:
    """A ``Segment`` of rows ``bounds`` whose finite values are ``v`` at positions ``u``."""
    start, end = bounds
    centre, slope = line_fit(u, v)
    residual = v - (centre + slope * (u - u.mean())) if v.size else v
    scale = mad_sigma(residual) if v.size >= 3 else float(np.std(v)) if v.size else math.nan
    if v.size >= 3 and scale == 0.0:
        scale = float(np.std(residual))
    return Segment(
        start=start, end=end,
        t_start=None if times is None else float(times[start]),
        t_end=None if times is None else float(times[end - 1]),
        n=int(v.size), mean=float(np.mean(v)) if v.size else math.nan, scale=scale, slope=slope,
        features=segment_features(v, baseline),
    )


def rate_unit(times: np.ndarray | None) -> tuple[str, float]:
    """Unit of a slope in words, and seconds per unit (per row when there are no timestamps).

    Example:
        >>> rate_unit(np.arange(0.0, 3600 * 5, 300))
        ('h', 3600.0)
    """
    if times is None or times.size < 2:
        return "pt", 1.0
    step = float(np.median(np.diff(times)))
    if step < 86400.0:
        return "h", 3600.0
    return "d", 86400.0


def describe_change(
    left: Segment, right: Segment, model: str, sigma: float, unit: tuple[str, float],
    amplitudes: tuple[float, float] | None = None,
) -> tuple[str, str, dict[str, float]]:
    """(kind, summary, stats) of the change from ``left`` to ``right``.

    Example:
        >>> a = Segment(0, 10, None, None, 10, 0.0, 1.0, 0.0, {})
        >>> b = Segment(10, 20, None, None, 10, 3.2, 1.0, 0.0, {})
        >>> describe_change(a, b, "mean", 1.0, ("pt", 1.0))[:2]
        ('level', 'level +3.2σ')
    """
    sigma = sigma if sigma > 0 else 1.0
    ratio = (right.scale / left.scale) ** 2 if left.scale > 0 else math.inf
    name, per = unit
    stats = {
        "level_sigma": (right.mean - left.mean) / sigma,
        "variance_ratio": ratio,
        "slope_before": left.slope * per,
        "slope_after": right.slope * per,
        "mean_before": left.mean,
        "mean_after": right.mean,
    }
    kind = _kind(left, right, model, ratio, sigma)
    if amplitudes is not None:
        stats["amplitude_before"], stats["amplitude_after"] = amplitudes
        # the seasonal model also moves levels: call it seasonal when the amplitude moved more
        if abs(amplitudes[1] - amplitudes[0]) >= abs(right.mean - left.mean):
            return "seasonal", f"seasonal amplitude from {amplitudes[0]:.3g} to {amplitudes[1]:.3g}", stats
    if kind == "rate":
        summary = f"rate ×{right.mean / left.mean:.1f} ({left.mean:.3g} → {right.mean:.3g})" if left.mean > 0 else (
            f"rate {left.mean:.3g} → {right.mean:.3g}")
    elif kind == "variance":
        summary = f"variance ×{ratio:.1f}" if math.isfinite(ratio) else "variance from 0"
    elif kind == "slope":
        summary = f"slope from {stats['slope_before']:+.2f}/{name} to {stats['slope_after']:+.2f}/{name}"
    else:
        summary = f"level {stats['level_sigma']:+.1f}σ"
    return kind, summary, stats


def _kind(left: Segment, right: Segment, model: str, ratio: float, sigma: float) -> str:
    if model == "poisson":
        return "rate"
    n1, n2 = max(left.n, 1), max(right.n, 1)
    level = n1 * n2 / (n1 + n2) * ((right.mean - left.mean) / sigma) ** 2
    if model == "trend":
        # slope evidence: the jump in the lines' extrapolated values over the shorter segment
        span = min(n1, n2) * abs(right.slope - left.slope) * _step(left, right)
        jump = abs(right.mean - left.mean)
        return "slope" if span >= 0.5 * jump else "level"
    if model == "meanvar" and math.isfinite(ratio) and ratio > 0:
        # likelihood-ratio statistics of a variance-only and a mean-only change
        variance = min(n1, n2) * abs(math.log(ratio))
        return "variance" if variance > level else "level"
    if model == "meanvar":
        return "variance"
    return "level"


def _step(left: Segment, right: Segment) -> float:
    if left.t_start is None or right.t_end is None:
        return 1.0
    rows = right.end - left.start - 1
    return (right.t_end - left.t_start) / rows if rows > 0 else 1.0


def change_point(
    right: Segment, gain: float, kind_summary_stats: tuple[str, str, dict[str, float]]
) -> ChangePoint:
    """The change point at the start of ``right``; confidence = logistic(gain / 2).

    Example:
        >>> seg = Segment(5, 9, None, None, 4, 1.0, 1.0, 0.0, {})
        >>> change_point(seg, 0.0, ("level", "level +1.0σ", {})).confidence
        0.5
    """
    kind, summary, stats = kind_summary_stats
    confidence = 1.0 / (1.0 + math.exp(-min(gain, 1400.0) / 2.0))
    return ChangePoint(index=right.start, t=right.t_start, confidence=confidence, gain=gain, kind=kind,
                       summary=summary, stats=stats)
