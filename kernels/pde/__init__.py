"""PDE simulation engine for the Lab: grid diffusion, advection-diffusion, Gray-Scott, graph heat.

Pure torch; device and dtype come from the tensors you pass. Start with :func:`solve` (or the
snapshot generator :func:`simulate`) and a config from :mod:`kernels.pde.config`; see
``docs/pde.md`` for methods, stability limits and verified error bounds.
"""

from __future__ import annotations

from kernels.pde.analytic import gaussian_heat_kernel
from kernels.pde.config import (
    AdvectionDiffusionConfig,
    DiffusionConfig,
    GraphHeatConfig,
    GrayScottConfig,
    Grid2D,
    Stepping,
)
from kernels.pde.diagnostics import (
    LabDiagnostics,
    compensated_sum,
    diagnostics_series,
    entropy_production,
    spatial_entropy,
    total_energy,
)
from kernels.pde.errors import SimulationCancelled, SolverError, StabilityError
from kernels.pde.fused import compiled_failure
from kernels.pde.graph import (
    GraphLaplacian,
    dense_laplacian,
    graph_explicit_limit,
    graph_heat_eigen,
    graph_laplacian,
    laplacian_apply,
)
from kernels.pde.gray_scott import gray_scott_reaction, gray_scott_seed
from kernels.pde.simulate import Plan, Snapshot, Solution, plan, simulate, solve
from kernels.pde.stencil import explicit_limit

__all__ = [
    "AdvectionDiffusionConfig",
    "DiffusionConfig",
    "GraphHeatConfig",
    "GraphLaplacian",
    "GrayScottConfig",
    "Grid2D",
    "LabDiagnostics",
    "Plan",
    "SimulationCancelled",
    "Snapshot",
    "Solution",
    "SolverError",
    "StabilityError",
    "Stepping",
    "compensated_sum",
    "compiled_failure",
    "dense_laplacian",
    "diagnostics_series",
    "entropy_production",
    "explicit_limit",
    "gaussian_heat_kernel",
    "graph_explicit_limit",
    "graph_heat_eigen",
    "graph_laplacian",
    "gray_scott_reaction",
    "gray_scott_seed",
    "laplacian_apply",
    "plan",
    "simulate",
    "solve",
    "spatial_entropy",
    "total_energy",
]
