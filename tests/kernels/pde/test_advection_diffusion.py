"""Advection-diffusion: exact translation, scheme error bounds, conservation with walls."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch

from kernels.pde import (
    AdvectionDiffusionConfig,
    Grid2D,
    StabilityError,
    Stepping,
    gaussian_heat_kernel,
    plan,
    solve,
    total_energy,
)

F64 = torch.float64
D = 0.5
VELOCITY = (0.7, -1.3)  # (cy, cx), cells per unit time
T = 30.0


def _problem(boundary: str = "periodic") -> tuple[AdvectionDiffusionConfig, torch.Tensor, torch.Tensor]:
    grid = Grid2D((128, 128), boundary=boundary)
    u0 = gaussian_heat_kernel(grid, 0.0, centre=(40.0, 50.0), sigma0=5.0, diffusivity=D)
    exact = gaussian_heat_kernel(grid, T, centre=(40.0, 50.0), sigma0=5.0, diffusivity=D, velocity=VELOCITY)
    return AdvectionDiffusionConfig(grid, D, VELOCITY), u0, exact


def _upwind_symbol(c: float, k: torch.Tensor) -> torch.Tensor:
    """Upwind + 5-point diffusion eigenvalue along one axis (h = 1), written out independently."""
    phase = torch.exp(1j * k)
    return -4 * D * torch.sin(k / 2) ** 2 - (max(c, 0) * (1 - phase.conj()) + min(c, 0) * (phase - 1))


def _fourier_bound(u0: torch.Tensor, amplification_of: Callable[[torch.Tensor], torch.Tensor]) -> float:
    """``N^-1 sum_k |u0_hat(k)| |G(k) - exp(T s(k))|`` over the full spectrum (rigorous max-norm bound)."""
    ny, nx = u0.shape
    ky = (2 * math.pi * torch.fft.fftfreq(ny, dtype=F64)).reshape(-1, 1)
    kx = (2 * math.pi * torch.fft.fftfreq(nx, dtype=F64)).reshape(1, -1)
    s_h = _upwind_symbol(VELOCITY[0], ky) + _upwind_symbol(VELOCITY[1], kx)
    exact = torch.exp(T * (-D * (ky**2 + kx**2) - 1j * (VELOCITY[0] * ky + VELOCITY[1] * kx)))
    return float((torch.fft.fft2(u0).abs() * (amplification_of(s_h) - exact).abs()).sum()) / (ny * nx)


def test_it_translates_and_spreads_the_gaussian_exactly_with_the_spectral_propagator() -> None:
    # given
    problem, u0, exact = _problem()

    # when
    solution = solve(problem, u0, [T])

    # then
    assert solution.method == "spectral"
    assert float((solution.fields[-1] - exact).abs().max()) <= 1e-13 * float(exact.max())


def test_it_keeps_explicit_upwind_error_under_its_fourier_bound() -> None:
    # given dt = 0.2 (limit 1 / (4 D + |cx| + |cy|) = 0.25), 150 steps
    problem, u0, exact = _problem()
    dt = 0.2
    bound = _fourier_bound(u0, lambda s: (1 + dt * s) ** round(T / dt)) + 1e-13 * float(u0.max())

    # when
    solution = solve(problem, u0, [T], stepping=Stepping(method="explicit", dt=dt))

    # then first-order upwind smears the peak (error ~30 %), but exactly as its symbol predicts
    error = float((solution.fields[-1] - exact).abs().max())
    assert error <= bound
    assert error > 0.1 * float(exact.max())


def test_it_keeps_implicit_fft_error_under_its_fourier_bound() -> None:
    # given backward Euler at twice the explicit limit
    problem, u0, exact = _problem()
    dt = 0.5
    bound = _fourier_bound(u0, lambda s: (1 / (1 - dt * s)) ** round(T / dt)) + 1e-13 * float(u0.max())

    # when
    solution = solve(problem, u0, [T], stepping=Stepping(method="implicit", dt=dt, theta=1.0))

    # then
    assert float((solution.fields[-1] - exact).abs().max()) <= bound


@pytest.mark.parametrize("boundary", ["periodic", "neumann"])
@pytest.mark.parametrize("method,dt", [("explicit", None), ("implicit", 0.6)])
def test_it_conserves_total_mass_to_1e_14(boundary: str, method: str, dt: float | None) -> None:
    # given a blob drifting into a wall (Neumann) or across the seam (periodic) for a long time
    problem = AdvectionDiffusionConfig(Grid2D((48, 48), boundary=boundary), D, VELOCITY)
    u0 = gaussian_heat_kernel(Grid2D((48, 48)), 0.0, centre=(24.0, 24.0), sigma0=5.0, diffusivity=D)

    # when
    solution = solve(problem, u0, [20.0, 60.0], stepping=Stepping(method=method, dt=dt))

    # then
    e0 = float(total_energy(u0))
    assert abs(float(total_energy(solution.fields[-1])) - e0) <= 1e-14 * e0


def test_it_piles_mass_against_the_downstream_wall_without_negative_values() -> None:
    # given flow towards -x and +y in a closed box
    grid = Grid2D((32, 32), boundary="neumann")
    problem = AdvectionDiffusionConfig(grid, 0.05, (0.5, -0.5))
    u0 = torch.ones(32, 32, dtype=F64)

    # when
    field = solve(problem, u0, [200.0], stepping=Stepping(method="explicit")).fields[-1]

    # then the monotone upwind step keeps u >= 0 and the corner (max y, min x) collects the mass
    assert float(field.min()) >= 0.0
    assert float(field[-1, 0]) == float(field.max()) and float(field[-1, 0]) > 10.0


def test_it_picks_explicit_then_implicit_on_auto_when_walls_rule_out_the_exact_propagator() -> None:
    # given walls + advection: not diagonalised by a Fourier or cosine basis
    problem = AdvectionDiffusionConfig(Grid2D((16, 16), boundary="neumann"), 1.0, (1.0, 1.0))

    # when
    small, large = plan(problem, Stepping()), plan(problem, Stepping(dt=1.0))

    # then
    assert (small.method, small.dt) == ("explicit", pytest.approx(0.9 / 6.0))
    assert large.method == "implicit" and large.dt == 1.0
    with pytest.raises(ValueError, match="spectral"):
        plan(problem, Stepping(method="spectral"))


def test_it_includes_advection_in_the_explicit_limit() -> None:
    # given D = 1, c = (1, 1), h = 1: limit = 1 / (4 + 1 + 1)
    problem = AdvectionDiffusionConfig(Grid2D((16, 16)), 1.0, (1.0, -1.0))
    u0 = torch.zeros(16, 16, dtype=F64)

    # when
    with pytest.raises(StabilityError) as caught:
        solve(problem, u0, [1.0], stepping=Stepping(method="explicit", dt=0.2))

    # then
    assert caught.value.limit == pytest.approx(1 / 6)
