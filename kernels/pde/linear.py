"""Stepping model for linear grid problems: diffusion and constant-velocity advection-diffusion."""

from __future__ import annotations

import torch

from kernels.pde.config import AdvectionDiffusionConfig, DiffusionConfig, Stepping
from kernels.pde.diagnostics import compensated_sum
from kernels.pde.fourier import apply_multiplier, discrete_symbol, exact_symbol, theta_multiplier
from kernels.pde.fused import eager_steps, fused_steps
from kernels.pde.krylov import bicgstab, restore_total
from kernels.pde.stencil import explicit_limit, flux_coefficients, flux_increment


class GridLinearModel:
    """Explicit, implicit (theta scheme) and exact spectral propagation of ``du/dt = A u``.

    Implicit steps are diagonalised by FFT when possible (periodic, or walls without advection)
    and use BiCGSTAB otherwise (walls with advection: the operator is not symmetric and does not
    commute with mirroring). Holds per-run caches of Fourier multipliers, keyed by ``dt``.
    """

    spatial_dims = 2

    def __init__(self, config: DiffusionConfig | AdvectionDiffusionConfig) -> None:
        self.config = config
        self.grid = config.grid
        self.diffusivity = config.diffusivity
        vx, vy = getattr(config, "velocity", (0.0, 0.0))
        self.velocity = (float(vx), float(vy))
        self.periodic = self.grid.boundary == "periodic"
        self.cell_area = self.grid.cell_area
        self._multipliers: dict[tuple[float, float], torch.Tensor] = {}

    @property
    def name(self) -> str:
        return "diffusion" if self.velocity == (0.0, 0.0) else "advection-diffusion"

    def validate(self, u: torch.Tensor) -> None:
        if u.dim() < 2 or tuple(u.shape[-2:]) != self.grid.shape or not u.is_floating_point():
            raise ValueError(f"field must be a float tensor of shape (..., {self.grid.shape}), got {tuple(u.shape)}")

    def explicit_limit(self) -> float:
        return explicit_limit(self.grid, self.diffusivity, self.velocity)

    @property
    def fourier_diagonal(self) -> bool:
        """Periodic, or walls without advection (mirroring keeps the operator constant-coefficient)."""
        return self.periodic or self.velocity == (0.0, 0.0)

    def has_exact(self, stepping: Stepping) -> bool:
        return self.fourier_diagonal

    def explicit_steps(self, u: torch.Tensor, dt: float, steps: int, compiled: bool) -> tuple[torch.Tensor, bool]:
        coef = flux_coefficients(self.grid, self.diffusivity, dt, self.velocity)
        if compiled:
            return fused_steps(u, coef, self.periodic, steps)
        return eager_steps(u, coef, self.periodic, steps), False

    def _theta_multiplier(self, dt: float, theta: float, u: torch.Tensor) -> torch.Tensor:
        # keyed by dt: a run uses its step and at most a few shortened steps to land on snapshot times
        key = (dt, theta)
        if key not in self._multipliers:
            sym = discrete_symbol(self.grid, self.diffusivity, self.velocity, device=u.device, dtype=u.dtype)
            self._multipliers[key] = theta_multiplier(sym, dt, theta)
        return self._multipliers[key]

    def implicit_step(self, u: torch.Tensor, dt: float, stepping: Stepping) -> torch.Tensor:
        if self.fourier_diagonal:
            return apply_multiplier(u, self._theta_multiplier(dt, stepping.theta, u), self.grid)
        coef = flux_coefficients(self.grid, self.diffusivity, dt, self.velocity)
        theta = stepping.theta
        rhs = u + (1 - theta) * flux_increment(u, coef, self.periodic)
        x, _ = bicgstab(lambda v: v - theta * flux_increment(v, coef, self.periodic), rhs, u,
                        tol=stepping.tol, max_iter=stepping.max_iter)
        return restore_total(x, compensated_sum(u, 2), 2)

    def exact(self, u0: torch.Tensor, t: float) -> torch.Tensor:
        """Exact solution of the continuous PDE for the trigonometric (or cosine) interpolant."""
        sym = exact_symbol(self.grid, self.diffusivity, self.velocity, device=u0.device, dtype=u0.dtype)
        return apply_multiplier(u0, torch.exp(sym * t), self.grid)
