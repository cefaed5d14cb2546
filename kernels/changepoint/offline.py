"""The default offline segmentation: ``segment(values, timestamps)``.

Steps: drop missing values; detect and remove one seasonal period; estimate the noise
(robust scale, AR(1) inflation, heavy tails); fit each candidate cost model exactly by PELT
with a BIC penalty; keep the model with the lowest penalised -2 log-likelihood; describe the
segments and the changes between them on the caller's row indices.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from kernels.changepoint.config import SegmentConfig
from kernels.changepoint.costs import harmonic_amplitude
from kernels.changepoint.describe import (
    change_point,
    describe_change,
    make_segment,
    rate_unit,
)
from kernels.changepoint.fit import (
    Fit,
    Series,
    candidate_models,
    change_gain,
    estimate_noise,
    fit_model,
)
from kernels.changepoint.seasonal import detect_period, seasonal_profile
from kernels.changepoint.types import Segmentation

MIN_POINTS = 10  # below this no change point is reported: one segment


def segment(
    values: np.ndarray, timestamps: np.ndarray | None = None, config: SegmentConfig | None = None
) -> Segmentation:
    """Segment a series into regimes.

    Args:
        values: (n,) float, NaN = missing; n >= 1 (>= 10 finite points for any change point).
        timestamps: optional (n,) float seconds, non-decreasing (irregular spacing allowed);
            slopes are then per second and the trend model uses the real spacing.
        config: model, penalty, min segment size and seasonality (defaults need no tuning).

    Returns:
        ``Segmentation`` whose segments cover rows ``[0, n)``; missing rows belong to the
        segment of the finite row before them (the first segment for leading ones).

    Cost: O(n) to O(n^2) per model (PELT) for 3 to 5 models; about 0.1 s for n = 100 and a few
    seconds for n = 5,000 on one busy core (see ``benchmarks/changepoints.py``).

    Example:
        >>> x = np.r_[np.zeros(30), np.full(30, 5.0)] + np.random.default_rng(0).normal(0, 0.5, 60)
        >>> result = segment(x)
        >>> [cp.index for cp in result.change_points], result.change_points[0].kind
        ([30], 'level')
    """
    cfg = config or SegmentConfig()
    x_all, times = _check(values, timestamps)
    rows = np.flatnonzero(np.isfinite(x_all))
    x = x_all[rows]
    if x.size < MIN_POINTS:
        return _single(x_all, rows, times, cfg)
    period = _period(cfg, x, rows, times)
    season = seasonal_profile(x, rows, period) if period else np.zeros_like(x)
    adjusted = x - season
    u = times[rows] if times is not None else rows.astype(np.float64)
    noise = estimate_noise(adjusted)
    models = candidate_models(adjusted, noise, period) if cfg.model == "auto" else [cfg.model]
    series = Series(adjusted=adjusted, raw=x, u=u, rows=rows.astype(np.float64), period=period)
    fits = [fit_model(m, series, noise, cfg.penalty, cfg.min_size) for m in models]
    best = min(fits, key=lambda f: f.score)
    return _result(best, x_all, series, times, math.sqrt(noise.sigma2))


def _check(values: np.ndarray, timestamps: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"values must be a non-empty 1-D array, got shape {x.shape}")
    if np.any(np.isinf(x)):
        raise ValueError("values must be finite or NaN (missing), not infinite")
    if timestamps is None:
        return x, None
    t = np.asarray(timestamps, dtype=np.float64)
    if t.shape != x.shape:
        raise ValueError(f"timestamps must have the shape of values {x.shape}, got {t.shape}")
    if not np.all(np.isfinite(t)):
        raise ValueError("timestamps must be finite")
    if np.any(np.diff(t) < 0):
        raise ValueError("timestamps must not go backwards")
    return x, t


def _period(cfg: SegmentConfig, x: np.ndarray, rows: np.ndarray, times: np.ndarray | None) -> int | None:
    if cfg.seasonal == "off":
        return None
    if not isinstance(cfg.seasonal, str):
        return int(cfg.seasonal) if x.size >= 2 * int(cfg.seasonal) else None
    if times is not None and times.size > 2:
        steps = np.diff(times)
        # a period in rows means nothing when the sampling is irregular
        if float(np.median(np.abs(steps - np.median(steps)))) > 0.1 * float(np.median(steps)):
            return None
    if rows.size != rows[-1] - rows[0] + 1 and rows.size < 0.9 * (rows[-1] - rows[0] + 1):
        return None
    # lags are in rows: search the regular row grid, missing rows interpolated, not the compressed values
    grid = np.arange(rows[0], rows[-1] + 1)
    return detect_period(np.interp(grid, rows, x))


def _single(x_all: np.ndarray, rows: np.ndarray, times: np.ndarray | None, cfg: SegmentConfig) -> Segmentation:
    x = x_all[rows]
    u = times[rows] if times is not None else rows.astype(np.float64)
    baseline = float(np.mean(x)) if x.size else 0.0
    seg = make_segment((0, x_all.size), x, u, times, baseline)
    penalty = 0.0 if cfg.penalty == "auto" else float(cfg.penalty)
    return Segmentation((seg,), (), "mean" if cfg.model == "auto" else cfg.model, penalty, None)


def _result(fit: Fit, x_all: np.ndarray, series: Series, times: np.ndarray | None, sigma: float) -> Segmentation:
    rows, adjusted, u, period = series.rows.astype(np.int64), series.adjusted, series.u, series.period
    starts = [0, *(int(rows[p]) for p in fit.points)]
    ends = [*starts[1:], x_all.size]
    cuts = [0, *fit.points, rows.size]
    baseline = float(np.mean(adjusted))
    segments = tuple(
        make_segment((a, b), adjusted[c:d], u[c:d], times, baseline)
        for a, b, c, d in zip(starts, ends, cuts[:-1], cuts[1:], strict=True)
    )
    unit = rate_unit(times)
    amplitudes = (
        [harmonic_amplitude(series.raw[c:d], series.rows[c:d], period) for c, d in itertools.pairwise(cuts)]
        if fit.model == "seasonal" and period else None
    )
    changes = tuple(
        change_point(right, change_gain(fit, rows.size, i), describe_change(
            left, right, fit.model, sigma, unit, None if amplitudes is None else (amplitudes[i], amplitudes[i + 1])))
        for i, (left, right) in enumerate(itertools.pairwise(segments))
    )
    return Segmentation(segments=segments, change_points=changes, model=fit.model, penalty=fit.penalty, period=period)

