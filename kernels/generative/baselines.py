"""Seasonal-naive baseline, made probabilistic with its own empirical residuals.

The point forecast repeats the last full season of the context. Its predictive distribution is
the point forecast plus whole residual windows observed on fitting data, so intervals are the
residuals' empirical quantiles per horizon step and the dependence across steps is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


def seasonal_naive(contexts: torch.Tensor, window: int, period: int) -> torch.Tensor:
    """Repeat the last ``period`` points of each context: (N, context) -> (N, window).

    Example:
        >>> seasonal_naive(torch.tensor([[1.0, 2.0, 3.0, 4.0]]), 5, 2).tolist()
        [[3.0, 4.0, 3.0, 4.0, 3.0]]
    """
    if contexts.shape[-1] < period:
        raise ValueError(f"context of {contexts.shape[-1]} points is shorter than the period {period}")
    season = contexts[..., -period:]
    reps = -(-window // period)
    return season.repeat(*([1] * (season.dim() - 1)), reps)[..., :window]


@dataclass(frozen=True)
class SeasonalNaive:
    """Fitted baseline: ``period`` and residual windows (R, window) from the fitting data."""

    period: int
    residuals: torch.Tensor


def fit_seasonal_naive(contexts: torch.Tensor, targets: torch.Tensor, period: int) -> SeasonalNaive:
    """Collect the residual windows ``targets - seasonal_naive(contexts)`` of fitting pairs.

    Example:
        >>> c = torch.tensor([[0.0, 1.0], [1.0, 0.0]]); w = torch.tensor([[0.5, 1.0], [1.0, 0.0]])
        >>> fit_seasonal_naive(c, w, 2).residuals.tolist()
        [[0.5, 0.0], [0.0, 0.0]]
    """
    residuals = targets - seasonal_naive(contexts, targets.shape[-1], period)
    return SeasonalNaive(period, residuals.to(torch.float64))


def seasonal_naive_samples(
    baseline: SeasonalNaive, contexts: torch.Tensor, samples: int, generator: torch.Generator
) -> torch.Tensor:
    """(N, samples, window) draws: point forecast plus residual windows drawn with replacement.

    Example:
        >>> b = SeasonalNaive(1, torch.tensor([[1.0, -1.0]]))
        >>> seasonal_naive_samples(b, torch.tensor([[5.0]]), 2, torch.Generator()).tolist()
        [[[6.0, 4.0], [6.0, 4.0]]]
    """
    window = baseline.residuals.shape[-1]
    point = seasonal_naive(contexts.to(torch.float64), window, baseline.period)
    pick = torch.randint(0, baseline.residuals.shape[0], (contexts.shape[0], samples), generator=generator)
    return point.unsqueeze(1) + baseline.residuals[pick].to(point.device)
