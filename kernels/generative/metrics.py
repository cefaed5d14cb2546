"""Pure scores of sample-based probabilistic forecasts.

Forecast samples have shape (..., m, L): ``m`` equally weighted draws of an L-point window;
observations have shape (..., L). Lower CRPS and energy score are better; both reduce to the
absolute / Euclidean error for a point forecast (m identical samples).
"""

from __future__ import annotations

import torch


def crps(samples: torch.Tensor, observed: torch.Tensor, *, fair: bool = False) -> torch.Tensor:
    """Per-dimension CRPS ``E|X - y| - 0.5 E|X - X'|`` of the empirical sample distribution, (..., L).

    ``E|X - X'|`` is computed exactly in O(m log m) from the sorted samples,
    ``(2 / m^2) sum_i (2 i - m - 1) x_(i)``; ``fair=True`` divides by ``m (m - 1)`` instead of
    ``m^2`` (unbiased for the CRPS of the distribution the samples come from).

    Example:
        >>> x = torch.full((1, 5, 1), 2.0)
        >>> float(crps(x, torch.tensor([[3.5]])))
        1.5
    """
    m = samples.shape[-2]
    spread_to_obs = (samples - observed.unsqueeze(-2)).abs().mean(dim=-2)
    ordered = samples.sort(dim=-2).values
    ranks = torch.arange(1, m + 1, device=samples.device, dtype=samples.dtype).reshape(-1, 1)
    pair_sum = 2 * ((2 * ranks - m - 1) * ordered).sum(dim=-2)
    pair_mean = pair_sum / (m * (m - 1) if fair and m > 1 else m * m)
    return spread_to_obs - 0.5 * pair_mean


def energy_score(samples: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
    """Energy score ``E||X - y|| - 0.5 E||X - X'||`` (Euclidean over the window), shape (...).

    The multivariate CRPS: it also rewards getting the dependence between window points right.
    Cost O(m^2 L) per forecast.

    Example:
        >>> x = torch.zeros(1, 4, 2)
        >>> float(energy_score(x, torch.tensor([[3.0, 4.0]])))
        5.0
    """
    to_obs = (samples - observed.unsqueeze(-2)).norm(dim=-1).mean(dim=-1)
    pairwise = torch.cdist(samples, samples).mean(dim=(-2, -1))
    return to_obs - 0.5 * pairwise


def interval(samples: torch.Tensor, level: float = 0.9) -> tuple[torch.Tensor, torch.Tensor]:
    """Central ``level`` interval per dimension from sample quantiles: (lower, upper), each (..., L).

    Example:
        >>> lo, hi = interval(torch.arange(101.0).reshape(1, 101, 1))
        >>> float(lo), float(hi)
        (5.0, 95.0)
    """
    q = torch.tensor([(1 - level) / 2, (1 + level) / 2], device=samples.device, dtype=samples.dtype)
    bounds = torch.quantile(samples, q, dim=-2)
    return bounds[0], bounds[1]


def coverage(lower: torch.Tensor, upper: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
    """Fraction of observations inside ``[lower, upper]`` over all elements (0-d tensor).

    Example:
        >>> float(coverage(torch.zeros(4), torch.ones(4), torch.tensor([0.5, 1.0, 2.0, -1.0])))
        0.5
    """
    inside = (observed >= lower) & (observed <= upper)
    return inside.to(torch.float64).mean()
