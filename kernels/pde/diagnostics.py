"""Field diagnostics for the Lab: total energy, spatial Shannon entropy and its production rate.

"Energy" is the integral of the field (sum times cell area), the quantity that diffusion
conserves. Sums are compensated (pairwise TwoSum), so a conservation check at 1e-15 measures the
solver, not the summation.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


def compensated_sum(x: torch.Tensor, dims: int = 1) -> torch.Tensor:
    """Sum over the last ``dims`` dimensions with error-free pairwise TwoSum, error ~1 ulp.

    Args:
        x: (..., *spatial) float tensor.
        dims: how many trailing dimensions to reduce.

    Returns:
        Tensor of shape ``x.shape[:-dims]``. Cost: log2(n) elementwise passes, O(n) memory.

    Example:
        >>> x = torch.tensor([1.0, 1e16, 1.0, -1e16], dtype=torch.float64)
        >>> float(compensated_sum(x)), float(x.sum())
        (2.0, 0.0)
    """
    s = x.reshape(*x.shape[: x.dim() - dims], -1)
    err = torch.zeros(s.shape[:-1], device=x.device, dtype=x.dtype)
    while s.shape[-1] > 1:
        if s.shape[-1] % 2:
            s = torch.cat([s, torch.zeros_like(s[..., :1])], dim=-1)
        a, b = s[..., 0::2], s[..., 1::2]
        t = a + b
        bb = t - a
        # Knuth's TwoSum: the exact rounding error of a + b, whatever their magnitudes
        err = err + ((a - (t - bb)) + (b - bb)).sum(dim=-1)
        s = t
    return s[..., 0] + err


def total_energy(field: torch.Tensor, cell_area: float = 1.0, *, spatial_dims: int = 2) -> torch.Tensor:
    """Integral of the field: compensated sum over the spatial dims times ``cell_area``.

    Args:
        field: (..., ny, nx) grid field (``spatial_dims=2``) or (N,) graph heat (``spatial_dims=1``).
        cell_area: hy * hx (length^2); 1 for graphs.

    Example:
        >>> float(total_energy(torch.ones(4, 4, dtype=torch.float64), cell_area=0.25))
        4.0
    """
    return compensated_sum(field, spatial_dims) * cell_area


def spatial_entropy(field: torch.Tensor, *, spatial_dims: int = 2) -> torch.Tensor:
    """Shannon entropy ``-sum p log p`` (nats) of ``p = u / sum u`` over the spatial dims.

    Negative values (round-off, Crank-Nicolson undershoot) are clipped to zero first, since a
    probability cannot be negative. A uniform field on n cells gives ``log n``, the maximum.

    Example:
        >>> round(float(spatial_entropy(torch.ones(2, 2, dtype=torch.float64))), 6)
        1.386294
    """
    flat = field.clamp(min=0).reshape(*field.shape[: field.dim() - spatial_dims], -1)
    p = flat / flat.sum(dim=-1, keepdim=True)
    return -torch.special.xlogy(p, p).sum(dim=-1)


def entropy_production(times: torch.Tensor, entropy: torch.Tensor) -> torch.Tensor:
    """Time derivative ``dS/dt`` (nats / time) of an entropy series, second order in the interior.

    Args:
        times: (m,) strictly increasing times, m >= 2.
        entropy: (m, ...) entropies at those times.

    Example:
        >>> t = torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64)
        >>> entropy_production(t, 3 * t).tolist()
        [3.0, 3.0, 3.0]
    """
    if times.numel() < 2:
        raise ValueError("entropy_production needs at least two times")
    return torch.gradient(entropy, spacing=(times.to(entropy.dtype),), dim=0)[0]


@dataclass(frozen=True)
class LabDiagnostics:
    """Energy and entropy time series, each (m, ...) aligned with ``times`` (m,)."""

    times: torch.Tensor
    energy: torch.Tensor
    entropy: torch.Tensor
    entropy_production: torch.Tensor


def diagnostics_series(
    times: torch.Tensor, fields: torch.Tensor, cell_area: float = 1.0, *, spatial_dims: int = 2
) -> LabDiagnostics:
    """Energy, entropy and entropy production of stacked snapshots ``fields`` (m, ..., *spatial).

    Example:
        >>> f = torch.ones(2, 3, 3, dtype=torch.float64)
        >>> diagnostics_series(torch.tensor([0.0, 1.0]), f).energy.tolist()
        [9.0, 9.0]
    """
    energy = total_energy(fields, cell_area, spatial_dims=spatial_dims)
    entropy = spatial_entropy(fields, spatial_dims=spatial_dims)
    production = entropy_production(times, entropy) if times.numel() > 1 else torch.zeros_like(entropy)
    return LabDiagnostics(times, energy, entropy, production)
