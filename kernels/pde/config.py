"""Frozen problem and time-stepping configurations.

Configs hold physics and numerics only; the initial field's tensor fixes device and dtype. Units are
consistent but arbitrary: lengths in grid units of ``spacing``, time in the units of ``1 / rate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kernels.pde.graph import GraphLaplacian

Boundary = Literal["periodic", "neumann"]
Method = Literal["auto", "explicit", "implicit", "spectral"]


@dataclass(frozen=True)
class Grid2D:
    """Uniform cell-centred 2D grid; fields have shape ``(..., ny, nx)``.

    ``boundary="neumann"`` means no-flux walls: zero diffusive and advective flux through the
    outer faces, so the total of the field is conserved.

    Example:
        >>> Grid2D((64, 128), spacing=(0.5, 0.5)).cell_area
        0.25
    """

    shape: tuple[int, int]
    spacing: tuple[float, float] = (1.0, 1.0)
    boundary: Boundary = "periodic"

    def __post_init__(self) -> None:
        if len(self.shape) != 2 or min(self.shape) < 3:
            raise ValueError(f"grid shape must be (ny, nx) with both >= 3, got {self.shape}")
        if min(self.spacing) <= 0:
            raise ValueError(f"grid spacing must be positive, got {self.spacing}")
        if self.boundary not in ("periodic", "neumann"):
            raise ValueError(f"boundary must be 'periodic' or 'neumann', got {self.boundary!r}")

    @property
    def cell_area(self) -> float:
        """Area of one cell, ``hy * hx`` (length^2)."""
        return self.spacing[0] * self.spacing[1]

    @property
    def extent(self) -> tuple[float, float]:
        """Domain size ``(Ly, Lx) = (ny hy, nx hx)``."""
        return (self.shape[0] * self.spacing[0], self.shape[1] * self.spacing[1])


@dataclass(frozen=True)
class DiffusionConfig:
    """``du/dt = D (d2u/dx2 + d2u/dy2)``, ``D`` in length^2 / time."""

    grid: Grid2D
    diffusivity: float

    def __post_init__(self) -> None:
        if self.diffusivity < 0:
            raise ValueError(f"diffusivity must be >= 0, got {self.diffusivity}")


@dataclass(frozen=True)
class AdvectionDiffusionConfig:
    """``du/dt = D lap(u) - div(c u)`` with constant velocity ``c = (cy, cx)`` (length / time).

    Explicit and implicit stepping use first-order upwind advective fluxes (monotone, adds a
    numerical diffusion of about ``|c| h / 2``); the spectral propagator is exact.
    """

    grid: Grid2D
    diffusivity: float
    velocity: tuple[float, float]

    def __post_init__(self) -> None:
        if self.diffusivity < 0:
            raise ValueError(f"diffusivity must be >= 0, got {self.diffusivity}")


@dataclass(frozen=True)
class GrayScottConfig:
    """Gray-Scott: ``u' = Du lap u - u v^2 + F (1 - u)``, ``v' = Dv lap v + u v^2 - (F + k) v``.

    The state is one tensor of shape ``(2, ny, nx)`` holding ``(u, v)``. Defaults are the
    "coral" regime in grid units (h = 1, dt = 1 is stable).
    """

    grid: Grid2D
    diffusivity_u: float = 0.16
    diffusivity_v: float = 0.08
    feed: float = 0.060
    kill: float = 0.062

    def __post_init__(self) -> None:
        if min(self.diffusivity_u, self.diffusivity_v) < 0 or min(self.feed, self.kill) < 0:
            raise ValueError("Gray-Scott diffusivities and rates must be >= 0")


@dataclass(frozen=True)
class GraphHeatConfig:
    """Heat on a weighted graph: ``du/dt = -rate * L u`` with ``L = D - W`` (``rate`` in 1 / time)."""

    graph: GraphLaplacian
    rate: float = 1.0

    def __post_init__(self) -> None:
        if self.rate < 0:
            raise ValueError(f"rate must be >= 0, got {self.rate}")


@dataclass(frozen=True)
class Stepping:
    """How to advance in time.

    Attributes:
        method: "auto" picks the exact spectral propagator when the problem allows it (linear,
            constant coefficients, diagonalisable: periodic or no-flux diffusion, periodic
            advection-diffusion, graphs up to ``eigen_max_nodes``), else explicit, or implicit
            when ``dt`` exceeds the explicit limit.
        dt: time step; ``None`` means ``safety * limit`` for explicit; required for implicit and
            for the Gray-Scott spectral (ETD) scheme.
        safety: fraction of the stability limit used when ``dt`` is None.
        theta: implicit weighting, 0.5 = Crank-Nicolson, 1.0 = backward Euler.
        tol, max_iter: relative residual and iteration cap of CG / BiCGSTAB solves.
        compiled: run explicit grid steps through the torch.compile fused kernel (falls back to
            eager when compilation fails); pays off above ~1e8 cell updates.
        eigen_max_nodes: largest graph for which the dense eigendecomposition is used.
    """

    method: Method = "auto"
    dt: float | None = None
    safety: float = 0.9
    theta: float = 0.5
    tol: float = 1e-12
    max_iter: int = 2000
    compiled: bool = False
    eigen_max_nodes: int = 2048

    def __post_init__(self) -> None:
        if self.method not in ("auto", "explicit", "implicit", "spectral"):
            raise ValueError(f"unknown method {self.method!r}")
        if self.dt is not None and self.dt <= 0:
            raise ValueError(f"dt must be positive, got {self.dt}")
        if not 0.0 < self.safety <= 1.0 or not 0.5 <= self.theta <= 1.0:
            raise ValueError("need 0 < safety <= 1 and 0.5 <= theta <= 1")
