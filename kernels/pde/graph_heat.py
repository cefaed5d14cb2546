"""Stepping model for heat on a weighted asset graph (cascade spreading from disturbed nodes)."""

from __future__ import annotations

import torch

from kernels.pde.config import GraphHeatConfig, Stepping
from kernels.pde.diagnostics import compensated_sum
from kernels.pde.fused import fused_graph_steps
from kernels.pde.graph import dense_laplacian, graph_explicit_limit, graph_heat_eigen, laplacian_apply
from kernels.pde.krylov import cg, restore_total


class GraphHeatModel:
    """Explicit flux-form Euler, implicit theta scheme via Jacobi-preconditioned CG, exact eigen."""

    spatial_dims = 1
    cell_area = 1.0
    name = "graph-heat"

    def __init__(self, config: GraphHeatConfig) -> None:
        self.config = config
        self.graph = config.graph
        self.rate = config.rate
        self._eigen: tuple[torch.Tensor, torch.Tensor] | None = None

    def validate(self, u: torch.Tensor) -> None:
        if tuple(u.shape) != (self.graph.n_nodes,) or u.dtype != self.graph.weight.dtype:
            raise ValueError(
                f"graph heat must be ({self.graph.n_nodes},) {self.graph.weight.dtype}, got {tuple(u.shape)} {u.dtype}"
            )
        if u.device != self.graph.weight.device:
            raise ValueError(f"heat on {u.device} but graph on {self.graph.weight.device}")

    def explicit_limit(self) -> float:
        return graph_explicit_limit(self.graph, self.rate)

    def has_exact(self, stepping: Stepping) -> bool:
        return self.graph.n_nodes <= stepping.eigen_max_nodes

    def explicit_steps(self, u: torch.Tensor, dt: float, steps: int, compiled: bool) -> tuple[torch.Tensor, bool]:
        if compiled:
            return fused_graph_steps(self.graph, u, self.rate * dt, steps)
        state = u.clone()
        for _ in range(steps):
            state += laplacian_apply(self.graph, state, scale=self.rate * dt)
        return state, False

    def implicit_step(self, u: torch.Tensor, dt: float, stepping: Stepping) -> torch.Tensor:
        scale, theta = self.rate * dt, stepping.theta
        rhs = u + laplacian_apply(self.graph, u, scale=(1 - theta) * scale) if theta < 1 else u
        inv_diag = 1 / (1 + theta * scale * self.graph.degree)
        x, _ = cg(lambda v: v - laplacian_apply(self.graph, v, scale=theta * scale), rhs, u,
                  inv_diag=inv_diag, tol=stepping.tol, max_iter=stepping.max_iter)
        return restore_total(x, compensated_sum(u), 1)

    def exact(self, u0: torch.Tensor, t: float) -> torch.Tensor:
        if self._eigen is None:
            self._eigen = torch.linalg.eigh(dense_laplacian(self.graph))
        return graph_heat_eigen(self.graph, u0, [t], self.rate, eigensystem=self._eigen)[0]
