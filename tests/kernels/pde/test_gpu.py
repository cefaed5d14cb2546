"""CUDA runs agree with CPU runs (skipped without CUDA)."""

from __future__ import annotations

import pytest
import torch

from kernels.pde import (
    DiffusionConfig,
    GraphHeatConfig,
    GrayScottConfig,
    Grid2D,
    Stepping,
    gaussian_heat_kernel,
    graph_laplacian,
    gray_scott_seed,
    solve,
    total_energy,
)

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]
F64 = torch.float64


@pytest.mark.parametrize("method,dt", [("spectral", None), ("explicit", None), ("implicit", 0.5)])
def test_it_gives_the_cpu_answer_on_cuda_for_grid_diffusion(method: str, dt: float | None) -> None:
    # given
    grid = Grid2D((128, 96), boundary="neumann")
    u0 = gaussian_heat_kernel(grid, 0.0, centre=(30.0, 40.0), sigma0=4.0, diffusivity=1.0)
    stepping = Stepping(method=method, dt=dt)

    # when
    cpu = solve(DiffusionConfig(grid, 1.0), u0, [5.0], stepping=stepping).fields
    gpu = solve(DiffusionConfig(grid, 1.0), u0.cuda(), [5.0], stepping=stepping).fields

    # then
    assert gpu.device.type == "cuda"
    assert float((gpu.cpu() - cpu).abs().max()) < 1e-12
    assert abs(float(total_energy(gpu[-1])) - 1.0) < 1e-14


def test_it_conserves_graph_heat_on_cuda() -> None:
    # given
    gen = torch.Generator().manual_seed(0)
    src, dst = torch.randint(0, 5000, (15000,), generator=gen), torch.randint(0, 5000, (15000,), generator=gen)
    lap = graph_laplacian(5000, src, dst, torch.rand(15000, generator=gen, dtype=F64), device="cuda")
    u0 = torch.zeros(5000, dtype=F64, device="cuda")
    u0[0] = 1.0

    # when
    heat = solve(GraphHeatConfig(lap), u0, [5.0], stepping=Stepping(method="explicit")).fields[-1]

    # then
    assert abs(float(total_energy(heat, spatial_dims=1)) - 1.0) < 1e-14


def test_it_grows_the_same_gray_scott_pattern_on_cuda() -> None:
    # given a seed drawn on CPU, so both devices start from the same field
    grid = Grid2D((64, 64))
    seed = gray_scott_seed(grid, generator=torch.Generator().manual_seed(1))

    # when
    cpu = solve(GrayScottConfig(grid), seed, [300.0], stepping=Stepping(method="explicit", dt=1.0)).fields[-1]
    gpu = solve(GrayScottConfig(grid), seed.cuda(), [300.0], stepping=Stepping(method="explicit", dt=1.0)).fields[-1]

    # then
    assert float((gpu.cpu() - cpu).abs().max()) < 1e-9
