"""Segment costs (-2 log-likelihood) from prefix sums, vectorised over candidate starts.

Every cost is ``cost(starts, end) -> (k,) float`` for the segments ``[starts[i], end)`` of
the finite, compressed series, in O(k) time after O(n) set-up. They are full -2 log-likelihoods
(constants included), so penalised totals of different models can be compared.
"""

from __future__ import annotations

import math

import numpy as np

LOG_2PI = math.log(2.0 * math.pi)
VARIANCE_FLOOR = 0.01  # share of the global noise variance: a flat run must not score -inf


def _prefix(v: np.ndarray) -> np.ndarray:
    return np.r_[0.0, np.cumsum(v)]


class Cost:
    """Base of the costs: ``n_params`` per segment (for BIC) and the least segment size."""

    def __init__(self, name: str, n_params: int, min_size: int) -> None:
        self.name, self.n_params, self.min_size = name, n_params, min_size

    def __call__(self, starts: np.ndarray, end: int) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class MeanCost(Cost):
    """Gaussian with a segment mean and the shared noise variance ``sigma2``.

    Example:
        >>> c = MeanCost(np.array([0.0, 0.0, 5.0, 5.0]), sigma2=1.0)
        >>> bool(c(np.array([0]), 4)[0] > c(np.array([0]), 2)[0] + c(np.array([2]), 4)[0])
        True
    """

    def __init__(self, x: np.ndarray, sigma2: float, name: str = "mean") -> None:
        super().__init__(name=name, n_params=1, min_size=2)
        shifted = x - np.median(x)
        self.s1 = _prefix(shifted)
        self.s2 = _prefix(shifted * shifted)
        self.sigma2 = max(float(sigma2), 1e-300)

    def rss(self, starts: np.ndarray, end: int) -> np.ndarray:
        n = end - starts
        total = self.s1[end] - self.s1[starts]
        return np.maximum(self.s2[end] - self.s2[starts] - total * total / n, 0.0)

    def __call__(self, starts: np.ndarray, end: int) -> np.ndarray:
        n = end - starts
        return self.rss(starts, end) / self.sigma2 + n * (LOG_2PI + math.log(self.sigma2))


class MeanVarCost(MeanCost):
    """Gaussian with a segment mean and a segment variance (floored at 1% of ``sigma2``).

    Example:
        >>> c = MeanVarCost(np.r_[np.zeros(5), 10 * np.ones(5)] + np.tile([1.0, -1.0], 5), 1.0)
        >>> round(float(c(np.array([0]), 10)[0]), 2)
        60.16
    """

    def __init__(self, x: np.ndarray, sigma2: float) -> None:
        super().__init__(x, sigma2, name="meanvar")
        self.n_params = 2
        self.min_size = 3

    def __call__(self, starts: np.ndarray, end: int) -> np.ndarray:
        n = end - starts
        variance = np.maximum(self.rss(starts, end) / n, VARIANCE_FLOOR * self.sigma2)
        return n * (LOG_2PI + np.log(variance) + 1.0)


class TrendCost(Cost):
    """Gaussian around a segment line ``a + b u`` with the shared variance ``sigma2``.

    ``u`` are the points' positions (timestamps or indices), rescaled to [0, n] so the prefix
    sums keep their precision.

    Example:
        >>> c = TrendCost(np.arange(6.0), np.arange(6.0), sigma2=1.0)
        >>> round(float(c(np.array([0]), 6)[0] - 6 * (LOG_2PI)), 6)
        0.0
    """

    def __init__(self, x: np.ndarray, u: np.ndarray, sigma2: float) -> None:
        super().__init__(name="trend", n_params=2, min_size=3)
        span = float(u[-1] - u[0]) or 1.0
        uu = (u - u[0]) * (x.size / span)
        uu = uu - uu.mean()
        xx = x - np.median(x)
        self.su, self.suu, self.sux = _prefix(uu), _prefix(uu * uu), _prefix(uu * xx)
        self.sx, self.sxx = _prefix(xx), _prefix(xx * xx)
        self.sigma2 = max(float(sigma2), 1e-300)

    def rss(self, starts: np.ndarray, end: int) -> np.ndarray:
        n = end - starts
        su, sx = self.su[end] - self.su[starts], self.sx[end] - self.sx[starts]
        cuu = self.suu[end] - self.suu[starts] - su * su / n
        cxx = self.sxx[end] - self.sxx[starts] - sx * sx / n
        cux = self.sux[end] - self.sux[starts] - su * sx / n
        with np.errstate(divide="ignore", invalid="ignore"):
            explained = np.where(cuu > 1e-12, cux * cux / cuu, 0.0)
        return np.maximum(cxx - explained, 0.0)

    def __call__(self, starts: np.ndarray, end: int) -> np.ndarray:
        n = end - starts
        return self.rss(starts, end) / self.sigma2 + n * (LOG_2PI + math.log(self.sigma2))


class PoissonCost(Cost):
    """Poisson counts with a segment rate (values must be non-negative integers).

    Example:
        >>> c = PoissonCost(np.array([0.0, 1.0, 0.0, 9.0, 11.0, 10.0]))
        >>> bool(c(np.array([0]), 6)[0] > c(np.array([0]), 3)[0] + c(np.array([3]), 6)[0])
        True
    """

    def __init__(self, x: np.ndarray) -> None:
        super().__init__(name="poisson", n_params=1, min_size=2)
        self.s1 = _prefix(x)
        # log(x!) once per point; numpy has no vectorised lgamma and scipy is not a runtime dependency
        self.slf = _prefix(np.array([math.lgamma(v + 1.0) for v in x]))

    def __call__(self, starts: np.ndarray, end: int) -> np.ndarray:
        n = end - starts
        total = self.s1[end] - self.s1[starts]
        with np.errstate(divide="ignore", invalid="ignore"):
            log_term = np.where(total > 0, total * np.log(total / n), 0.0)
        return 2.0 * (total - log_term + self.slf[end] - self.slf[starts])


def clip_outliers(x: np.ndarray, sigma: float, width: int = 9, c: float = 3.0) -> np.ndarray:
    """Values clipped to a running median +- ``c`` sigma: the robust cost's input.

    A level shift moves the running median within ``width // 2`` points, so shifts survive
    while isolated heavy-tailed spikes lose their pull on the segment means.

    Example:
        >>> clip_outliers(np.array([0.0, 0, 0, 50, 0, 0, 0]), sigma=1.0).tolist()
        [0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0]
    """
    half = min(width // 2, max((x.size - 1) // 2, 0))
    padded = np.pad(x, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    centre = np.median(windows, axis=1)
    return np.clip(x, centre - c * sigma, centre + c * sigma)


class HarmonicCost(Cost):
    """Gaussian around a segment level plus one seasonal harmonic, with shared variance ``sigma2``.

    Each segment fits ``a + b sin(2 pi r / p) + c cos(2 pi r / p)`` (``r`` = row index), so a change
    of the seasonal amplitude or phase, or of the level, is a change of regime.

    Example:
        >>> r = np.arange(48.0)
        >>> x = np.where(r < 24, 0.0, 3.0) * np.sin(2 * np.pi * r / 12)
        >>> c = HarmonicCost(x, r, period=12, sigma2=1.0)
        >>> bool(c(np.array([0]), 48)[0] > c(np.array([0]), 24)[0] + c(np.array([24]), 48)[0] + 20)
        True
    """

    def __init__(self, x: np.ndarray, rows: np.ndarray, period: int, sigma2: float) -> None:
        super().__init__(name="seasonal", n_params=3, min_size=max(4, period // 2))
        angle = 2.0 * np.pi * rows / period
        z = np.stack([np.ones_like(angle), np.sin(angle), np.cos(angle)], axis=1)
        y = x - np.median(x)
        self.zz = np.concatenate([np.zeros((1, 3, 3)), np.cumsum(z[:, :, None] * z[:, None, :], axis=0)])
        self.zy = np.concatenate([np.zeros((1, 3)), np.cumsum(z * y[:, None], axis=0)])
        self.yy = _prefix(y * y)
        self.sigma2 = max(float(sigma2), 1e-300)

    def rss(self, starts: np.ndarray, end: int) -> np.ndarray:
        gram = self.zz[end] - self.zz[starts]
        moment = self.zy[end] - self.zy[starts]
        # a tiny ridge keeps very short segments (singular Gram matrices) solvable
        ridge = 1e-9 * (np.trace(gram, axis1=1, axis2=2)[:, None, None] + 1.0) * np.eye(3)
        coef = np.linalg.solve(gram + ridge, moment[:, :, None])[:, :, 0]
        return np.maximum(self.yy[end] - self.yy[starts] - np.sum(moment * coef, axis=1), 0.0)

    def __call__(self, starts: np.ndarray, end: int) -> np.ndarray:
        n = end - starts
        return self.rss(starts, end) / self.sigma2 + n * (LOG_2PI + math.log(self.sigma2))


def harmonic_amplitude(v: np.ndarray, rows: np.ndarray, period: int) -> float:
    """Amplitude of the least-squares seasonal harmonic of ``v`` at row indices ``rows``.

    Example:
        >>> r = np.arange(24.0)
        >>> round(harmonic_amplitude(2.0 * np.sin(2 * np.pi * r / 12) + 5.0, r, 12), 6)
        2.0
    """
    if v.size < 3:
        return 0.0
    angle = 2.0 * np.pi * rows / period
    z = np.stack([np.ones_like(angle), np.sin(angle), np.cos(angle)], axis=1)
    coef = np.linalg.lstsq(z, v, rcond=None)[0]
    return float(math.hypot(coef[1], coef[2]))
