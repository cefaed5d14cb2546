"""FFT diagonalisation of constant-coefficient operators on periodic and no-flux grids.

Periodic grids are diagonalised by the 2D real FFT. No-flux (Neumann) grids are handled by even
reflection across the walls: the mirrored (2ny, 2nx) field is periodic, its 5-point operator
equals the wall-bounded one, and its Fourier modes are the DCT-II cosines, so the same multiply
in Fourier space solves the Neumann problem exactly.
"""

from __future__ import annotations

import math

import torch

from kernels.pde.config import Grid2D


def _angles(grid: Grid2D, device: torch.device, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """Wavenumbers (ky (Ny, 1), kx (1, Nx//2 + 1)) in rad / length on the FFT (maybe mirrored) grid."""
    ny, nx = _fft_shape(grid)
    hy, hx = grid.spacing
    ky = torch.fft.fftfreq(ny, d=hy, device=device, dtype=dtype) * (2 * math.pi)
    kx = torch.fft.rfftfreq(nx, d=hx, device=device, dtype=dtype) * (2 * math.pi)
    return ky.reshape(-1, 1), kx.reshape(1, -1)


def _fft_shape(grid: Grid2D) -> tuple[int, int]:
    factor = 1 if grid.boundary == "periodic" else 2
    return (grid.shape[0] * factor, grid.shape[1] * factor)


def exact_symbol(
    grid: Grid2D, diffusivity: float, velocity: tuple[float, float], *, device: torch.device, dtype: torch.dtype
) -> torch.Tensor:
    """Continuous generator ``-D |k|^2 - i c.k`` (1 / time), shape (Ny, Nx//2 + 1), complex if c != 0."""
    ky, kx = _angles(grid, device, dtype)
    sym = -diffusivity * (ky**2 + kx**2)
    if velocity == (0.0, 0.0):
        return sym
    return torch.complex(sym, -(velocity[0] * ky + velocity[1] * kx))


def discrete_symbol(
    grid: Grid2D, diffusivity: float, velocity: tuple[float, float], *, device: torch.device, dtype: torch.dtype
) -> torch.Tensor:
    """Eigenvalues (1 / time) of the flux-form 5-point diffusion + upwind advection operator.

    Diffusion gives ``-4 D sin^2(k h / 2) / h^2`` per axis; upwind advection with speed ``c``
    gives ``-(c+ (1 - e^{-ikh}) + c- (e^{ikh} - 1)) / h``.
    """
    ky, kx = _angles(grid, device, dtype)
    hy, hx = grid.spacing
    sym = -4 * diffusivity * (torch.sin(ky * hy / 2) ** 2 / hy**2 + torch.sin(kx * hx / 2) ** 2 / hx**2)
    if velocity == (0.0, 0.0):
        return sym
    sym = sym.to(torch.complex128 if dtype == torch.float64 else torch.complex64)
    for c, k, h in ((velocity[0], ky, hy), (velocity[1], kx, hx)):
        phase = torch.polar(torch.ones_like(k), k * h)
        sym = sym - (max(c, 0.0) * (1 - phase.conj()) + min(c, 0.0) * (phase - 1)) / h
    return sym


def apply_multiplier(u: torch.Tensor, multiplier: torch.Tensor, grid: Grid2D) -> torch.Tensor:
    """Return ``ifft(multiplier * fft(u))`` over the last two dims, mirroring first for walls.

    Args:
        u: (..., ny, nx) real field.
        multiplier: (Ny, Nx//2 + 1) real or complex, on the grid from :func:`exact_symbol`.

    Cost: two real FFTs of the (mirrored, 4x larger for walls) field.

    Example:
        >>> g = Grid2D((4, 4))
        >>> u = torch.rand(4, 4, dtype=torch.float64)
        >>> one = torch.ones(4, 3, dtype=torch.float64)
        >>> bool(torch.allclose(apply_multiplier(u, one, g), u))
        True
    """
    if grid.boundary == "neumann":
        u = torch.cat([u, u.flip(-1)], dim=-1)
        u = torch.cat([u, u.flip(-2)], dim=-2)
    shape = u.shape[-2:]
    out = torch.fft.irfft2(torch.fft.rfft2(u) * multiplier, s=shape)
    return out[..., : grid.shape[0], : grid.shape[1]] if grid.boundary == "neumann" else out


def theta_multiplier(symbol: torch.Tensor, dt: float, theta: float) -> torch.Tensor:
    """Amplification factor ``(1 + (1 - theta) dt s) / (1 - theta dt s)`` of the theta scheme.

    ``theta = 0.5`` is Crank-Nicolson (second order, A-stable), ``theta = 1`` backward Euler
    (first order, L-stable: damps the stiffest modes fully).
    """
    return (1 + (1 - theta) * dt * symbol) / (1 - theta * dt * symbol)


def phi1(z: torch.Tensor) -> torch.Tensor:
    """``(e^z - 1) / z`` with the limit 1 at z = 0 (exponential time differencing weight)."""
    safe = torch.where(z == 0, torch.ones_like(z), z)
    return torch.where(z == 0, torch.ones_like(z), torch.expm1(safe) / safe)
