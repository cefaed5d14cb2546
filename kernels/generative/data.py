"""Synthetic telemetry and (context, window) pairs cut from a series.

The synthetic generator mimics machine telemetry: a daily-like seasonal cycle, AR(1) noise and
regimes that switch the level, the cycle's amplitude and the noise scale at random times.
"""

from __future__ import annotations

import math

import torch


def synthetic_telemetry(
    length: int,
    generator: torch.Generator,
    *,
    period: int = 24,
    regime_length: float = 600.0,
    ar: float = 0.6,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    """A (length,) series: ``level_r + amp_r (sin(2 pi t / P + phi) + 0.3 sin(4 pi t / P)) + e_t``.

    ``e_t = ar e_{t-1} + sigma_r sqrt(1 - ar^2) z_t`` (stationary std ``sigma_r``). Regime ``r``
    lasts a geometric number of points with mean ``regime_length``; each new regime redraws the
    level (N(0, 2^2)), amplitude (U(0.5, 2)) and noise scale (U(0.2, 0.8)). Drawn on CPU.

    Example:
        >>> y = synthetic_telemetry(500, torch.Generator().manual_seed(0))
        >>> tuple(y.shape), y.dtype
        ((500,), torch.float64)
    """
    t = torch.arange(length, dtype=torch.float64)
    phase = 2 * math.pi * float(torch.rand((), generator=generator, dtype=torch.float64))
    cycle = torch.sin(2 * math.pi * t / period + phase) + 0.3 * torch.sin(4 * math.pi * t / period + phase)
    level, amp, sigma = (torch.empty(length, dtype=torch.float64) for _ in range(3))
    start = 0
    while start < length:
        u = float(torch.rand((), generator=generator, dtype=torch.float64))
        stop = min(length, start + 1 + int(-regime_length * math.log1p(-u)))
        draws = torch.rand(3, generator=generator, dtype=torch.float64)
        level[start:stop] = 2.0 * float(torch.randn((), generator=generator, dtype=torch.float64))
        amp[start:stop] = 0.5 + 1.5 * float(draws[0])
        sigma[start:stop] = 0.2 + 0.6 * float(draws[1])
        start = stop
    noise = _ar1(torch.randn(length, generator=generator, dtype=torch.float64), ar) * sigma
    return (level + amp * cycle + noise).to(dtype)


def _ar1(z: torch.Tensor, ar: float) -> torch.Tensor:
    """Unit-variance stationary AR(1) filter of white noise ``z``."""
    out = torch.empty_like(z)
    prev = float(z[0])
    out[0] = prev
    gain = math.sqrt(1 - ar * ar)
    for i in range(1, z.numel()):
        prev = ar * prev + gain * float(z[i])
        out[i] = prev
    return out


def windows_from_series(series: torch.Tensor, context: int, window: int,
                        stride: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """All (context, following window) pairs: shapes (N, context) and (N, window), views of ``series``.

    Example:
        >>> c, w = windows_from_series(torch.arange(6.0), 2, 2, stride=2)
        >>> c.tolist(), w.tolist()
        ([[0.0, 1.0], [2.0, 3.0]], [[2.0, 3.0], [4.0, 5.0]])
    """
    if series.dim() != 1 or series.numel() < context + window:
        raise ValueError(f"need a 1-D series of at least {context + window} points")
    pairs = series.unfold(0, context + window, stride)
    return pairs[:, :context], pairs[:, context:]
