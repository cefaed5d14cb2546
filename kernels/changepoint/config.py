"""Configuration of the offline segmenter and the online detector."""

from __future__ import annotations

from dataclasses import dataclass

MODELS = ("auto", "mean", "meanvar", "trend", "poisson", "robust")


@dataclass(frozen=True)
class SegmentConfig:
    """Settings of :func:`kernels.changepoint.segment`; the defaults need no per-series tuning.

    Attributes:
        model: cost model: ``"auto"`` (penalised likelihood across the models), ``"mean"``
            (Gaussian mean, shared scale), ``"meanvar"`` (Gaussian mean and variance),
            ``"trend"`` (piecewise-linear, shared scale), ``"poisson"`` (counts rate) or
            ``"robust"`` (Gaussian mean on values clipped around a running median).
        penalty: ``"auto"`` (BIC-type, see ``docs/signals.md``) or a number added per change point
            (in units of -2 log-likelihood).
        min_size: fewest points per segment (>= 2); models with more parameters raise it.
        seasonal: ``"auto"`` (detect and remove one period), ``"off"``, or a period in points.

    Example:
        >>> SegmentConfig(model="mean").min_size
        2
    """

    model: str = "auto"
    penalty: str | float = "auto"
    min_size: int = 2
    seasonal: str | int = "auto"

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {self.model!r}")
        if isinstance(self.penalty, str) and self.penalty != "auto":
            raise ValueError(f"penalty must be 'auto' or a number, got {self.penalty!r}")
        if not isinstance(self.penalty, str) and not self.penalty >= 0:
            raise ValueError("a numeric penalty must be >= 0")
        if self.min_size < 2:
            raise ValueError("min_size must be >= 2")
        if isinstance(self.seasonal, str) and self.seasonal not in ("auto", "off"):
            raise ValueError(f"seasonal must be 'auto', 'off' or a period, got {self.seasonal!r}")
        if not isinstance(self.seasonal, str) and self.seasonal < 2:
            raise ValueError("a seasonal period must be >= 2 points")


@dataclass(frozen=True)
class OnlineConfig:
    """Settings of :class:`kernels.changepoint.OnlineDetector` (Bayesian online detection).

    Attributes:
        hazard: prior probability of a change at each point (1 / expected run length).
        max_run_length: run lengths kept in the posterior; the tail is merged into the last
            one, so memory and time per point are O(max_run_length).
        threshold: posterior probability that a change happened within the last
            ``max_delay`` points needed to confirm it.
        max_delay: points after a change within which it must be confirmed; this is the
            detector's delay bound (a later confirmation is never issued for that change).
        warmup: points used to set the prior's scale before any change can be reported.
        min_gap: fewest points between two reported change points.
        evidence: fewest points of a new regime seen before it can be confirmed (so it can
            be described); the least detection delay.

    Example:
        >>> OnlineConfig().max_delay
        20
    """

    hazard: float = 1 / 250
    max_run_length: int = 500
    threshold: float = 0.8
    max_delay: int = 20
    warmup: int = 8
    min_gap: int = 5
    evidence: int = 3

    def __post_init__(self) -> None:
        if not 0 < self.hazard < 1:
            raise ValueError("hazard must be in (0, 1)")
        if self.max_run_length < 2 * self.max_delay or self.max_delay < 1:
            raise ValueError("need max_delay >= 1 and max_run_length >= 2 * max_delay")
        if not 0 < self.threshold < 1:
            raise ValueError("threshold must be in (0, 1)")
        if self.warmup < 3 or self.min_gap < 1:
            raise ValueError("warmup >= 3 and min_gap >= 1 are required")
        if not 1 <= self.evidence <= self.max_delay:
            raise ValueError("evidence must be in [1, max_delay]")
