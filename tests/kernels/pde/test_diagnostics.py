"""Diagnostics: compensated totals, spatial entropy and its production rate."""

from __future__ import annotations

import math

import torch

from kernels.pde import (
    DiffusionConfig,
    Grid2D,
    compensated_sum,
    diagnostics_series,
    entropy_production,
    gaussian_heat_kernel,
    solve,
    spatial_entropy,
    total_energy,
)

F64 = torch.float64


def test_it_sums_exactly_where_plain_summation_cancels() -> None:
    # given values whose naive pairwise sum loses both small terms
    x = torch.tensor([1.0, 1e16, 1.0, -1e16, 3.0], dtype=F64)

    # when
    total = compensated_sum(x)

    # then
    assert float(total) == 5.0
    assert float(x.sum()) != 5.0


def test_it_matches_math_fsum_on_a_large_random_field() -> None:
    # given
    x = torch.randn(3, 301, 257, generator=torch.Generator().manual_seed(0), dtype=F64) * 1e3

    # when
    totals = compensated_sum(x, dims=2)

    # then
    for row, total in zip(x, totals, strict=True):
        assert float(total) == math.fsum(row.flatten().tolist())


def test_it_scales_energy_by_cell_area_per_batch_entry() -> None:
    # given
    fields = torch.ones(2, 4, 5, dtype=F64) * torch.tensor([1.0, 3.0], dtype=F64).reshape(2, 1, 1)

    # when
    energy = total_energy(fields, cell_area=0.5)

    # then
    assert energy.tolist() == [10.0, 30.0]


def test_it_gives_log_n_for_a_uniform_field_and_zero_for_a_point() -> None:
    # given
    uniform = torch.full((8, 16), 2.5, dtype=F64)
    point = torch.zeros(8, 16, dtype=F64)
    point[3, 3] = 7.0

    # when / then
    assert math.isclose(float(spatial_entropy(uniform)), math.log(128), rel_tol=1e-15)
    assert float(spatial_entropy(point)) == 0.0


def test_it_measures_the_gaussian_entropy_production_rate_2d_over_s_squared() -> None:
    # given a spreading Gaussian: S(t) = log(2 pi e s^2 / h^2), so dS/dt = 2 D / s^2, s^2 = s0^2 + 2 D t
    grid, d, s0 = Grid2D((256, 256), spacing=(0.5, 0.5)), 0.8, 3.0
    u0 = gaussian_heat_kernel(grid, 0.0, centre=(64.0, 64.0), sigma0=s0, diffusivity=d)
    times = torch.linspace(0.0, 20.0, 81, dtype=F64)

    # when
    solution = solve(DiffusionConfig(grid, d), u0, times.tolist())
    series = diagnostics_series(solution.times, solution.fields, grid.cell_area)

    # then
    s2 = s0**2 + 2 * d * times
    expected_entropy = torch.log(2 * math.pi * math.e * s2 / grid.cell_area)
    assert float((series.entropy - expected_entropy).abs().max()) < 1e-10
    interior = slice(1, -1)
    rel = (series.entropy_production[interior] - 2 * d / s2[interior]).abs() / (2 * d / s2[interior])
    assert float(rel.max()) < 2e-3
    assert float((series.energy - 1.0).abs().max()) < 1e-14


def test_it_never_decreases_entropy_under_diffusion() -> None:
    # given a rough random start on walls
    grid = Grid2D((32, 32), boundary="neumann")
    u0 = torch.rand(32, 32, generator=torch.Generator().manual_seed(2), dtype=F64)

    # when
    solution = solve(DiffusionConfig(grid, 1.0), u0, torch.linspace(0, 30, 31).tolist())
    production = entropy_production(solution.times, spatial_entropy(solution.fields))

    # then
    assert float(production.min()) >= 0.0
    assert math.isclose(float(spatial_entropy(solution.fields[-1])), math.log(1024), rel_tol=1e-3)
