"""Fit one cost model by PELT with the default (or a given) penalty, and compare models.

Every model is scored by its penalised -2 log-likelihood: segment costs + penalty per change
+ the BIC price of the first segment's parameters, so models with more parameters per
segment must buy them with likelihood (a BIC across models).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kernels.changepoint.costs import Cost, MeanCost, MeanVarCost, PoissonCost, TrendCost, clip_outliers
from kernels.changepoint.pelt import pelt, segmentation_cost
from kernels.changepoint.scale import bic_penalty, diff_sigma, lag1_rho, long_run_factor

HEAVY_TAIL_SHARE = 0.01  # share of differences beyond 5 sigma; Gaussian noise gives ~6e-7
POISSON_DISPERSION = (0.5, 2.0)  # variance / mean band in which counts are read as Poisson


@dataclass(frozen=True)
class Noise:
    """Noise of the series: marginal variance, AR(1) coefficient and the penalty inflation."""

    sigma2: float
    rho: float
    inflation: float
    heavy: bool


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
    d = np.diff(x) - np.median(np.diff(x)) if x.size > 1 else np.zeros(1)
    heavy = bool(x.size >= 20 and np.mean(np.abs(d) > 5.0 * math.sqrt(2.0) * sigma) > HEAVY_TAIL_SHARE)
    base = clip_outliers(x, sigma) if heavy else x
    prelim = MeanCost(base, sigma * sigma)
    # a doubled penalty keeps AR wiggles out of the preliminary fit, so they stay in the residuals
    points = pelt(prelim, base.size, 2.0 * bic_penalty(base.size, 1), 2)
    rho = lag1_rho(_residuals(base, points))
    # var(diff) = 2 sigma^2 (1 - rho) for AR(1) noise, so the marginal variance is larger
    return Noise(sigma2=sigma * sigma / (1.0 - rho), rho=rho, inflation=long_run_factor(rho), heavy=heavy)


def _residuals(x: np.ndarray, points: list[int]) -> np.ndarray:
    bounds = [0, *points, x.size]
    return np.concatenate([x[a:b] - x[a:b].mean() for a, b in zip(bounds[:-1], bounds[1:])])


def candidate_models(x: np.ndarray, noise: Noise) -> list[str]:
    """Models the automatic choice compares for this series.

    Example:
        >>> candidate_models(np.arange(30.0), Noise(1.0, 0.0, 1.0, False))
        ['mean', 'meanvar', 'trend']
    """
    if noise.heavy:
        return ["robust", "trend"]
    models = ["mean", "meanvar", "trend"]
    if _looks_poisson(x, noise):
        models.append("poisson")
    return models


def _looks_poisson(x: np.ndarray, noise: Noise) -> bool:
    if np.any(x < 0) or np.any(x != np.round(x)) or float(np.mean(x)) <= 0:
        return False
    dispersion = noise.sigma2 * (1.0 - noise.rho) / float(np.median(x) or np.mean(x))
    return POISSON_DISPERSION[0] <= dispersion <= POISSON_DISPERSION[1]


def build_cost(model: str, x: np.ndarray, u: np.ndarray, noise: Noise) -> Cost:
    """The cost object of ``model`` over the compressed values ``x`` at positions ``u``."""
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


def fit_model(
    model: str, x: np.ndarray, u: np.ndarray, noise: Noise, penalty: float | str, min_size: int
) -> Fit:
    """PELT fit of one model; ``score`` is its penalised -2 log-likelihood."""
    cost = build_cost(model, x, u, noise)
    pen = bic_penalty(x.size, cost.n_params, noise.inflation) if penalty == "auto" else float(penalty)
    points = pelt(cost, x.size, pen, max(min_size, cost.min_size))
    first = cost.n_params * math.log(max(x.size, 2)) * noise.inflation
    score = segmentation_cost(cost, x.size, points) / noise.inflation + (pen * len(points) + first) / noise.inflation
    return Fit(model=model, points=points, penalty=pen, score=score, cost=cost)


def change_gain(fit: Fit, n: int, index: int) -> float:
    """Penalised cost saved by change point ``fit.points[index]`` against merging its neighbours."""
    bounds = [0, *fit.points, n]
    a, b, c = bounds[index], bounds[index + 1], bounds[index + 2]
    merged = fit.cost(np.array([a]), c)[0]
    split = fit.cost(np.array([a]), b)[0] + fit.cost(np.array([b]), c)[0]
    return float(merged - split - fit.penalty)
