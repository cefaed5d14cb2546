"""Fit one cost model by PELT with the default (or a given) penalty, and compare models.

Every model is scored by its penalised -2 log-likelihood: segment costs + penalty per change
+ the BIC price of the first segment's parameters, so models with more parameters per
segment must buy them with likelihood (a BIC across models).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from kernels.changepoint.costs import (
    Cost,
    HarmonicCost,
    MeanCost,
    MeanVarCost,
    PoissonCost,
    TrendCost,
    clip_outliers,
)
from kernels.changepoint.pelt import grid_step, pelt, segmentation_cost
from kernels.changepoint.scale import (
    bic_penalty,
    diff_sigma,
    lag1_rho,
    long_run_factor,
    mad_sigma,
)

HEAVY_TAIL_SHARE = 0.004  # differences beyond 5 local sigmas: Gaussian noise stays under ~5e-4 (n >= 200)
POISSON_DISPERSION = (0.5, 2.0)  # variance / mean band in which counts are read as Poisson


@dataclass(frozen=True)
class Noise:
    """Noise of the series: marginal variance, AR(1) coefficient and the penalty inflation."""

    sigma2: float
    rho: float
    inflation: float
    heavy: bool


@dataclass(frozen=True)
class Series:
    """The compressed series a model is fitted to.

    ``adjusted`` has the seasonal profile (``period`` rows, or none) removed; ``raw`` keeps it
    for the seasonal model, which fits a harmonic per segment instead; ``u`` are positions
    (timestamps or rows) for slopes, ``rows`` the row indices for the seasonal phase.
    """

    adjusted: np.ndarray
    raw: np.ndarray
    u: np.ndarray
    rows: np.ndarray
    period: int | None


@dataclass(frozen=True)
class Fit:
    """One model's segmentation of the compressed series."""

    model: str
    points: list[int]
    penalty: float
    score: float
    cost: Cost


def estimate_noise(x: np.ndarray) -> Noise:
    """Noise from differences, AR(1) coefficient from a conservative preliminary segmentation.

    Example:
        >>> noise = estimate_noise(np.random.default_rng(1).normal(0, 2, 400))
        >>> 3.0 < noise.sigma2 < 5.0, noise.rho < 0.2, noise.heavy
        (True, True, False)
    """
    sigma = diff_sigma(x)
    heavy = _heavy_tailed(x)
    base = clip_outliers(x, sigma) if heavy else x
    prelim = MeanCost(base, sigma * sigma)
    # a doubled penalty keeps AR wiggles out of the preliminary fit, so they stay in the residuals
    points = pelt(prelim, base.size, 2.0 * bic_penalty(base.size, 1), 2, grid_step(base.size))
    rho = lag1_rho(_residuals(base, points))
    # var(diff) = 2 sigma^2 (1 - rho) for AR(1) noise, so the marginal variance is larger
    return Noise(sigma2=sigma * sigma / (1.0 - rho), rho=rho, inflation=long_run_factor(rho), heavy=heavy)


def seasonal_noise(series: Series, noise: Noise) -> Noise:
    """Noise of the seasonal model: from residuals of a conservative per-segment harmonic fit.

    When the seasonal amplitude changes, the series minus one global profile keeps a residual
    season, which would inflate both the difference-based scale and the AR(1) coefficient.
    """
    prelim = HarmonicCost(series.raw, series.rows, series.period or 12, noise.sigma2)
    n = series.raw.size
    points = pelt(prelim, n, 2.0 * bic_penalty(n, prelim.n_params), prelim.min_size, grid_step(n))
    bounds = [0, *points, n]
    residuals = np.concatenate([_harmonic_residual(series, a, b) for a, b in itertools.pairwise(bounds)])
    rho = lag1_rho(residuals)
    sigma = max(mad_sigma(residuals), 1e-12 * (float(np.max(np.abs(series.raw))) or 1.0))
    return Noise(sigma2=sigma * sigma, rho=rho, inflation=long_run_factor(rho), heavy=noise.heavy)


def _harmonic_residual(series: Series, a: int, b: int) -> np.ndarray:
    angle = 2.0 * np.pi * series.rows[a:b] / (series.period or 12)
    z = np.stack([np.ones_like(angle), np.sin(angle), np.cos(angle)], axis=1)
    coef = np.linalg.lstsq(z, series.raw[a:b], rcond=None)[0]
    return series.raw[a:b] - z @ coef


def _heavy_tailed(x: np.ndarray, width: int = 51) -> bool:
    """Whether differences beyond 5 local sigmas are too common for Gaussian noise.

    The scale is a running MAD, so a variance change (a regime) is not read as heavy tails.
    """
    if x.size < 20:
        return False
    d = np.diff(x)
    half = min(width // 2, (d.size - 1) // 2)
    # reflected, not repeated, padding: repeated edge values would shrink the edge MADs to 0
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(d, half, mode="reflect"), 2 * half + 1)
    centre = np.median(windows, axis=1)
    local = np.median(np.abs(windows - centre[:, None]), axis=1) * 1.4826
    floor = max(float(np.median(local)) * 1e-3, 1e-300)
    beyond = int(np.count_nonzero(np.abs(d - centre) > 5.0 * np.maximum(local, floor)))
    return beyond >= 2 and beyond > HEAVY_TAIL_SHARE * d.size


def _residuals(x: np.ndarray, points: list[int]) -> np.ndarray:
    bounds = [0, *points, x.size]
    return np.concatenate([x[a:b] - x[a:b].mean() for a, b in itertools.pairwise(bounds)])


def candidate_models(x: np.ndarray, noise: Noise, period: int | None = None) -> list[str]:
    """Models the automatic choice compares for this series.

    Example:
        >>> candidate_models(np.arange(30.0), Noise(1.0, 0.0, 1.0, False))
        ['mean', 'meanvar', 'trend']
    """
    if noise.heavy:
        models = ["robust", "meanvar", "trend"]
    else:
        models = ["mean", "meanvar", "trend"]
        if _looks_poisson(x, noise):
            models.append("poisson")
    if period:
        models.append("seasonal")
    return models


def _looks_poisson(x: np.ndarray, noise: Noise) -> bool:
    if np.any(x < 0) or np.any(x != np.round(x)) or float(np.mean(x)) <= 0:
        return False
    dispersion = noise.sigma2 * (1.0 - noise.rho) / float(np.median(x) or np.mean(x))
    return POISSON_DISPERSION[0] <= dispersion <= POISSON_DISPERSION[1]


def build_cost(model: str, series: Series, noise: Noise) -> Cost:
    """The cost object of ``model`` over the compressed series."""
    x, u = series.adjusted, series.u
    if model == "seasonal":
        return HarmonicCost(series.raw, series.rows, series.period or 12, noise.sigma2)
    values = clip_outliers(x, math.sqrt(noise.sigma2)) if noise.heavy or model == "robust" else x
    if model in ("mean", "robust"):
        return MeanCost(values, noise.sigma2, name=model)
    if model == "meanvar":
        return MeanVarCost(values, noise.sigma2)
    if model == "trend":
        return TrendCost(values, u, noise.sigma2)
    if model == "poisson":
        return PoissonCost(x)
    raise ValueError(f"unknown model {model!r}")


def fit_model(model: str, series: Series, noise: Noise, penalty: float | str, min_size: int) -> Fit:
    """PELT fit of one model; ``score`` is its penalised -2 log-likelihood.

    A removed seasonal profile cost ``period - 1`` parameters, charged to every model but the
    seasonal one (which fits its harmonics per segment and pays through ``n_params``).
    """
    x = series.adjusted
    # one effective-sample-size divisor for every model keeps their scores comparable
    common = noise.inflation
    if model == "seasonal":
        noise = seasonal_noise(series, noise)
    cost = build_cost(model, series, noise)
    pen = bic_penalty(x.size, cost.n_params, noise.inflation) if penalty == "auto" else float(penalty)
    points = pelt(cost, x.size, pen, max(min_size, cost.min_size), grid_step(x.size))
    profile = (series.period - 1) if series.period and model != "seasonal" else 0
    first = (cost.n_params + profile) * math.log(max(x.size, 2)) * noise.inflation
    score = (segmentation_cost(cost, x.size, points) + pen * len(points) + first) / common
    return Fit(model=model, points=points, penalty=pen, score=score, cost=cost)


def change_gain(fit: Fit, n: int, index: int) -> float:
    """Penalised cost saved by change point ``fit.points[index]`` against merging its neighbours."""
    bounds = [0, *fit.points, n]
    a, b, c = bounds[index], bounds[index + 1], bounds[index + 2]
    merged = fit.cost(np.array([a]), c)[0]
    split = fit.cost(np.array([a]), b)[0] + fit.cost(np.array([b]), c)[0]
    return float(merged - split - fit.penalty)
