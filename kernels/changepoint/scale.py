"""Robust noise scale, autocorrelation inflation and the default penalty.

The noise scale comes from first differences, which a level shift touches at one point
only: sigma = MAD(diff x) / (0.6745 sqrt 2) (Hampel's MAD, consistent for Gaussian noise).
Positive autocorrelation makes runs of noise look like shifts; a change-point statistic's
variance then scales with the long-run variance ``sigma^2 (1 + rho) / (1 - rho)`` of AR(1)
noise, so the penalty is inflated by that factor (an effective-sample-size correction).
"""

from __future__ import annotations

import math

import numpy as np

MAD_TO_SIGMA = 1.0 / 0.6744897501960817
RHO_CAP = 0.8  # beyond this the series is a random walk, not noise around regimes
PENALTY_FACTOR = 1.0  # multiplies the BIC penalty; set on the synthetic + tune corpus (docs/signals.md)


def mad_sigma(x: np.ndarray) -> float:
    """Robust standard deviation of ``x`` around its median (0 for < 2 points).

    Example:
        >>> round(mad_sigma(np.array([1.0, 2, 3, 4, 100])), 4)
        1.4826
    """
    if x.size < 2:
        return 0.0
    return float(np.median(np.abs(x - np.median(x))) * MAD_TO_SIGMA)


def diff_sigma(x: np.ndarray) -> float:
    """Noise standard deviation from the MAD of first differences, with fallbacks when ties.

    Integer or heavily rounded data can make the MAD of differences 0; the mean absolute
    difference (times sqrt(pi)/2 for Gaussian noise) and then the overall spread take over.

    Example:
        >>> x = np.r_[np.zeros(50), np.full(50, 10.0)] + np.random.default_rng(0).normal(0, 1, 100)
        >>> 0.7 < diff_sigma(x) < 1.3
        True
    """
    if x.size < 3:
        return max(float(np.std(x)), 1e-12)
    d = np.diff(x)
    sigma = mad_sigma(d) / math.sqrt(2.0)
    if sigma <= 0:
        sigma = float(np.mean(np.abs(d - np.median(d)))) * math.sqrt(math.pi) / 2.0 / math.sqrt(2.0)
    if sigma <= 0:
        sigma = float(np.std(x))
    scale = float(np.max(np.abs(x))) or 1.0
    return max(sigma, 1e-9 * scale, 1e-300)


def lag1_rho(residuals: np.ndarray) -> float:
    """Lag-1 autocorrelation of residuals, clipped to [0, RHO_CAP] (negative rho needs no fix).

    Example:
        >>> lag1_rho(np.tile([1.0, -1.0], 20))
        0.0
    """
    r = residuals - residuals.mean()
    denom = float(r @ r)
    if r.size < 4 or denom <= 0:
        return 0.0
    return float(np.clip((r[1:] @ r[:-1]) / denom, 0.0, RHO_CAP))


def long_run_factor(rho: float) -> float:
    """Variance inflation ``(1 + rho) / (1 - rho)`` of AR(1) noise.

    Example:
        >>> long_run_factor(0.5)
        3.0
    """
    return (1.0 + rho) / (1.0 - rho)


def bic_penalty(n: int, n_params: int, inflation: float = 1.0) -> float:
    """Penalty per change point: (segment parameters + 2) * log n * inflation * factor.

    Plain BIC would charge ``n_params + 1`` (the location as one more parameter); but a
    location is chosen by a search over n places, and Zhang & Siegmund's (2007) modified BIC
    charges ``3 log n`` for a one-parameter (mean) change, i.e. one ``log n`` more. We use
    that MBIC main term for every model.

    Example:
        >>> round(bic_penalty(100, 1), 3)
        13.816
    """
    return PENALTY_FACTOR * (n_params + 2) * math.log(max(n, 2)) * inflation
