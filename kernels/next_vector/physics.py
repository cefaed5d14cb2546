"""Batched periodic building blocks of the NVP update: face-flux divergence and the one-step prior.

The engine in :mod:`kernels.pde` steps one state at a time; a network trains on batches, so the
same schemes are restated here for ``(B, C, ny, nx)`` tensors. Tests check that both agree.
"""

from __future__ import annotations

import math

import torch

from kernels.next_vector.config import ProblemSpec


def flux_divergence(fx: torch.Tensor, fy: torch.Tensor) -> torch.Tensor:
    """Cell change from face fluxes: ``-(F[j] - F[j-1])`` along x plus the same along y.

    ``fx[..., i, j]`` flows through the face between cells ``j`` and ``j + 1`` (wrapping), so each
    face value leaves one cell and enters its neighbour and the sum over the grid cancels exactly
    in exact arithmetic.

    Args:
        fx, fy: (..., ny, nx) fluxes (field units per step).

    Example:
        >>> fx = torch.zeros(1, 3, 3, dtype=torch.float64); fx[0, 1, 1] = 1.0
        >>> d = flux_divergence(fx, torch.zeros_like(fx))
        >>> d[0, 1].tolist(), float(d.sum())
        ([0.0, -1.0, 1.0], 0.0)
    """
    return (torch.roll(fx, 1, dims=-1) - fx) + (torch.roll(fy, 1, dims=-2) - fy)


def laplacian_fluxes(u: torch.Tensor, spacing: tuple[float, float],
                     scale: float | torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """5-point diffusive face fluxes ``-scale (u[j+1] - u[j]) / h^2`` along x and y.

    ``flux_divergence`` of the result is ``scale * lap5(u)``; ``scale`` may be a tensor
    broadcastable to ``u`` (one diffusivity per channel).
    """
    hy, hx = spacing
    fx = -(scale / hx**2) * (torch.roll(u, -1, dims=-1) - u)
    fy = -(scale / hy**2) * (torch.roll(u, -1, dims=-2) - u)
    return fx, fy


def gray_scott_rates(state: torch.Tensor, feed: float, kill: float) -> torch.Tensor:
    """Reaction rates of a (..., 2, ny, nx) state: ``(F(1-u) - u v^2, u v^2 - (F+k) v)``."""
    u, v = state[..., 0, :, :], state[..., 1, :, :]
    uvv = u * v * v
    return torch.stack([feed * (1 - u) - uvv, uvv - (feed + kill) * v], dim=-3)


def _wavenumber_squared(shape: tuple[int, int], spacing: tuple[float, float], like: torch.Tensor) -> torch.Tensor:
    """|k|^2 (rad^2 / length^2) on the rfft2 grid, shape (ny, nx//2 + 1)."""
    ky = torch.fft.fftfreq(shape[0], d=spacing[0], device=like.device, dtype=like.dtype) * (2 * math.pi)
    kx = torch.fft.rfftfreq(shape[1], d=spacing[1], device=like.device, dtype=like.dtype) * (2 * math.pi)
    return ky.reshape(-1, 1) ** 2 + kx.reshape(1, -1) ** 2


def _etd1_weights(spec: ProblemSpec, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """ETD1 multipliers ``exp(z)`` and ``(exp(z) - 1) / z`` with ``z = -D_c |k|^2 dt``, (2, ny, kx)."""
    k2 = _wavenumber_squared(spec.shape, spec.spacing, like)
    d = torch.tensor([spec.diffusivity_u, spec.diffusivity_v], device=like.device, dtype=like.dtype)
    z = -d.reshape(2, 1, 1) * k2 * spec.frame_dt
    safe = torch.where(z == 0, torch.ones_like(z), z)
    return torch.exp(z), torch.where(z == 0, torch.ones_like(z), torch.expm1(safe) / safe)


def prior_step(state: torch.Tensor, spec: ProblemSpec) -> torch.Tensor:
    """One cheap solver step of size ``spec.frame_dt``: the prior the network corrects.

    Diffusion: forward Euler on 5-point flux-form diffusion (conserves the total to rounding).
    Gray-Scott: ETD1 (exact diffusion of each Fourier mode plus exponentially weighted reaction),
    as ``kernels.pde`` does with ``Stepping(method="spectral", dt=frame_dt)``.

    Args:
        state: (B, C, ny, nx) float tensor, C = ``spec.channels``; compute in float64 for the
            conservation guarantee.

    Example:
        >>> spec = ProblemSpec("diffusion", shape=(8, 8))
        >>> u = torch.rand(3, 1, 8, 8, dtype=torch.float64)
        >>> bool(torch.allclose(prior_step(u, spec).sum(dim=(-1, -2)), u.sum(dim=(-1, -2))))
        True
    """
    if spec.kind == "diffusion":
        fx, fy = laplacian_fluxes(state, spec.spacing, spec.diffusivity * spec.frame_dt)
        return state + flux_divergence(fx, fy)
    on_state, on_reaction = _etd1_weights(spec, state)
    reaction = spec.frame_dt * gray_scott_rates(state, spec.feed, spec.kill)
    spectrum = torch.fft.rfft2(state) * on_state + torch.fft.rfft2(reaction) * on_reaction
    return torch.fft.irfft2(spectrum, s=spec.shape)
