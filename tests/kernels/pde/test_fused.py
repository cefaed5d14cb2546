"""The torch.compile fused explicit kernel: same numbers as eager, clean fallback without a compiler."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from kernels.pde import (
    AdvectionDiffusionConfig,
    DiffusionConfig,
    GraphHeatConfig,
    Grid2D,
    Stepping,
    fused,
    graph_laplacian,
    solve,
    total_energy,
)
from kernels.pde.stencil import flux_coefficients

F64 = torch.float64


def _rough(shape: tuple[int, int], seed: int = 0) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


def test_it_falls_back_to_eager_and_remembers_why_when_compilation_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a toolchain that cannot compile
    def broken_compile(kind: str, signature: tuple, defaults: tuple) -> Callable[..., torch.Tensor]:
        def run(*args: torch.Tensor) -> torch.Tensor:  # torch.compile fails lazily, on the first call
            raise RuntimeError("InvalidCxxCompiler: no working C++ compiler found")
        return run

    monkeypatch.setattr(fused, "_compiled", broken_compile)
    monkeypatch.setattr(fused, "_failures", {})
    grid = Grid2D((24, 24))
    u0 = _rough(grid.shape)
    coef = flux_coefficients(grid, 1.0, 0.2)

    # when
    out, used = fused.fused_steps(u0, coef, True, 11)

    # then
    assert not used
    assert torch.equal(out, fused.eager_steps(u0, coef, True, 11))
    assert "InvalidCxxCompiler" in (fused.compiled_failure() or "")


def test_it_reports_an_uncompiled_run_in_the_solution_when_falling_back(monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    monkeypatch.setattr(fused, "_failures", {"compile": "RuntimeError: no compiler"})
    problem = DiffusionConfig(Grid2D((16, 16)), 1.0)

    # when
    solution = solve(problem, _rough((16, 16)), [2.0], stepping=Stepping(method="explicit", compiled=True))

    # then
    assert solution.compiled is False and solution.steps == 9


@pytest.mark.slow
@pytest.mark.parametrize("boundary", ["periodic", "neumann"])
@pytest.mark.parametrize("velocity", [(0.0, 0.0), (0.3, -0.6)])
def test_it_matches_eager_stepping_to_rounding_when_compiled(boundary: str, velocity: tuple[float, float]) -> None:
    # given 400 full steps in progress chunks of 8 (two fused calls of 4 each), then one
    # shortened eager step to land on t = 100.1
    grid = Grid2D((40, 56), spacing=(0.5, 1.0), boundary=boundary)
    problem = AdvectionDiffusionConfig(grid, 0.05, velocity)
    u0 = _rough(grid.shape, 4)
    eager = Stepping(method="explicit", dt=0.25)

    # when
    plain = solve(problem, u0, [100.1], stepping=eager)
    compiled = solve(problem, u0, [100.1], stepping=Stepping(method="explicit", dt=0.25, compiled=True))

    # then
    if fused.compiled_failure() is not None:
        pytest.skip(f"torch.compile unavailable here: {fused.compiled_failure()}")
    assert compiled.compiled and compiled.steps == plain.steps == 401
    assert float((compiled.fields - plain.fields).abs().max()) <= 1e-14 * float(plain.fields.abs().max())
    e0 = float(total_energy(u0))
    assert abs(float(total_energy(compiled.fields[-1])) - e0) <= 1e-14 * e0


@pytest.mark.slow
def test_it_matches_eager_graph_stepping_when_compiled() -> None:
    # given
    gen = torch.Generator().manual_seed(5)
    src, dst = torch.randint(0, 2000, (6000,), generator=gen), torch.randint(0, 2000, (6000,), generator=gen)
    lap = graph_laplacian(2000, src, dst, torch.rand(6000, generator=gen, dtype=F64))
    u0 = torch.rand(2000, generator=gen, dtype=F64)
    stepping = Stepping(method="explicit", eigen_max_nodes=0)

    # when
    plain = solve(GraphHeatConfig(lap), u0, [3.0], stepping=stepping)
    compiled = solve(GraphHeatConfig(lap), u0, [3.0], stepping=Stepping(method="explicit", compiled=True))

    # then
    if fused.compiled_failure() is not None:
        pytest.skip(f"torch.compile unavailable here: {fused.compiled_failure()}")
    assert compiled.compiled
    assert float((compiled.fields - plain.fields).abs().max()) < 1e-13
    e0 = float(total_energy(u0, spatial_dims=1))
    assert abs(float(total_energy(compiled.fields[-1], spatial_dims=1)) - e0) <= 1e-14 * e0
