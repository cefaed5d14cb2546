"""Split-conformal calibration of sample spread around the median.

Diffusion samples are often too narrow or too wide. On a held-out calibration split we find, per
horizon step, the factor ``s`` that the samples' spread around their median must be scaled by so
that the central ``level`` interval covers the observations: the score of an observation is
``(y - med) / (hi - med)`` above the median and ``(med - y) / (med - lo)`` below, and ``s`` is its
``ceil((n + 1) level) / n`` empirical quantile. Since quantiles move with the affine map
``med + s (x - med)``, the scaled interval covers exactly the observations with score <= s, which
gives >= ``level`` marginal coverage for exchangeable windows (overlapping windows of one series
are only approximately exchangeable, so check coverage on a separate test split).
"""

from __future__ import annotations

import math

import torch

from kernels.generative.metrics import interval


def conformal_spread(samples: torch.Tensor, observed: torch.Tensor, level: float = 0.9) -> torch.Tensor:
    """Spread factors (L,) from calibration samples (N, m, L) and observations (N, L).

    Example:
        >>> s = torch.linspace(-1, 1, 101).reshape(1, 101, 1).repeat(50, 1, 1)
        >>> y = torch.linspace(-3, 3, 50).reshape(50, 1)
        >>> 2.5 < float(conformal_spread(s, y)[0]) < 3.5
        True
    """
    med = samples.median(dim=-2).values
    lo, hi = interval(samples, level)
    tiny = torch.finfo(samples.dtype).tiny
    above = (observed - med) / (hi - med).clamp_min(tiny)
    below = (med - observed) / (med - lo).clamp_min(tiny)
    scores = torch.where(observed >= med, above, below)
    n = scores.shape[0]
    rank = min(1.0, math.ceil((n + 1) * level) / n)
    return torch.quantile(scores, rank, dim=0, interpolation="higher")


def apply_spread(samples: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """Scale the samples (..., m, L) around their per-dimension median by ``factor`` (L,) or scalar.

    Example:
        >>> apply_spread(torch.tensor([[[0.0], [1.0], [2.0]]]), torch.tensor([2.0])).flatten().tolist()
        [-1.0, 1.0, 3.0]
    """
    med = samples.median(dim=-2, keepdim=True).values
    return med + factor.to(samples) * (samples - med)
