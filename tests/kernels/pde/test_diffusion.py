"""Grid diffusion: analytic accuracy, conservation, stability checks and the method auto-choice."""

from __future__ import annotations

import math

import pytest
import torch

from kernels.pde import (
    DiffusionConfig,
    Grid2D,
    SimulationCancelled,
    StabilityError,
    Stepping,
    gaussian_heat_kernel,
    plan,
    simulate,
    solve,
    total_energy,
)

F64 = torch.float64
D = 1.0
SIGMA0 = 4.0
T = 20.0


def _gaussian_problem(boundary: str = "periodic",
                      shape: tuple[int, int] = (128, 128)) -> tuple[DiffusionConfig, torch.Tensor, torch.Tensor]:
    grid = Grid2D(shape, boundary=boundary)
    centre = (shape[0] / 2, shape[1] / 2) if boundary == "periodic" else (10.0, 20.0)
    u0 = gaussian_heat_kernel(grid, 0.0, centre=centre, sigma0=SIGMA0, diffusivity=D)
    exact = gaussian_heat_kernel(grid, T, centre=centre, sigma0=SIGMA0, diffusivity=D)
    return DiffusionConfig(grid, D), u0, exact


def _fourier_error_bound(u0: torch.Tensor, amplification: torch.Tensor, grid: Grid2D) -> float:
    """Rigorous max-norm bound ``N^-1 sum_k |u0_hat(k)| |G(k) - exp(-D |k|^2 T)|`` (periodic grid).

    ``amplification`` is the scheme's per-mode factor over the whole run on the rfft2 half grid.
    """
    ny, nx = grid.shape
    ky = (2 * math.pi * torch.fft.fftfreq(ny, dtype=F64)).reshape(-1, 1)
    kx = (2 * math.pi * torch.fft.rfftfreq(nx, dtype=F64)).reshape(1, -1)
    exact = torch.exp(-D * (ky**2 + kx**2) * T)
    weight = torch.full_like(kx, 2.0)
    weight[0, 0] = weight[0, -1] = 1.0  # columns kx = 0 and Nyquist appear once in the full spectrum
    return float((weight * torch.fft.rfft2(u0).abs() * (amplification - exact).abs()).sum()) / (ny * nx)


def _discrete_laplacian_symbol(grid: Grid2D) -> torch.Tensor:
    ny, nx = grid.shape
    ky = (2 * math.pi * torch.fft.fftfreq(ny, dtype=F64)).reshape(-1, 1)
    kx = (2 * math.pi * torch.fft.rfftfreq(nx, dtype=F64)).reshape(1, -1)
    return -4 * D * (torch.sin(ky / 2) ** 2 + torch.sin(kx / 2) ** 2)


def _relative_drift(u0: torch.Tensor, u1: torch.Tensor) -> float:
    e0 = float(total_energy(u0))
    return abs(float(total_energy(u1)) - e0) / abs(e0)


def test_it_matches_the_periodic_gaussian_heat_kernel_to_1e_13_with_the_spectral_propagator() -> None:
    # given a Gaussian (sigma0 = 4 cells) on a 128^2 periodic grid, images summed analytically
    problem, u0, exact = _gaussian_problem()

    # when
    solution = solve(problem, u0, [T])

    # then the exact propagator reproduces the closed form to rounding (bound 1e-13 relative)
    assert solution.method == "spectral"
    assert float((solution.fields[-1] - exact).abs().max()) <= 1e-13 * float(exact.max())


def test_it_matches_the_wall_reflected_gaussian_with_the_cosine_propagator() -> None:
    # given a Gaussian near a corner of a no-flux box, exact solution by mirror images
    problem, u0, exact = _gaussian_problem("neumann", (64, 96))

    # when
    solution = solve(problem, u0, [T])

    # then
    assert solution.method == "spectral"
    assert float((solution.fields[-1] - exact).abs().max()) <= 1e-13 * float(exact.max())


@pytest.mark.parametrize("dt", [0.25, 0.1])
def test_it_keeps_explicit_error_under_the_fourier_bound_of_the_5_point_euler_scheme(dt: float) -> None:
    # given steps that divide T exactly; each mode is multiplied by (1 + dt s_h(k)) per step
    problem, u0, exact = _gaussian_problem()
    amplification = (1 + dt * _discrete_laplacian_symbol(problem.grid)) ** round(T / dt)
    bound = _fourier_error_bound(u0, amplification, problem.grid) + 1e-13 * float(u0.max())

    # when
    solution = solve(problem, u0, [T], stepping=Stepping(method="explicit", dt=dt))

    # then the O(h^2 + dt) error stays under the bound, which is itself small (< 1 % of the peak)
    error = float((solution.fields[-1] - exact).abs().max())
    assert error <= bound
    assert bound < 0.01 * float(exact.max())


@pytest.mark.parametrize("theta", [0.5, 1.0])
def test_it_keeps_implicit_error_under_the_fourier_bound_of_the_theta_scheme(theta: float) -> None:
    # given a step four times the explicit limit
    dt = 1.0
    problem, u0, exact = _gaussian_problem()
    s = _discrete_laplacian_symbol(problem.grid)
    amplification = ((1 + (1 - theta) * dt * s) / (1 - theta * dt * s)) ** round(T / dt)
    bound = _fourier_error_bound(u0, amplification, problem.grid) + 1e-13 * float(u0.max())

    # when
    solution = solve(problem, u0, [T], stepping=Stepping(method="implicit", dt=dt, theta=theta))

    # then
    assert float((solution.fields[-1] - exact).abs().max()) <= bound
    assert bound < 0.05 * float(exact.max())


@pytest.mark.parametrize("boundary", ["periodic", "neumann"])
@pytest.mark.parametrize("method,dt", [("explicit", None), ("implicit", 0.7), ("spectral", None)])
def test_it_conserves_total_energy_to_1e_14(boundary: str, method: str, dt: float | None) -> None:
    # given a rough random field (every mode excited), 400 explicit steps or 30 implicit ones
    grid = Grid2D((64, 80), spacing=(0.5, 0.25), boundary=boundary)
    u0 = torch.rand(64, 80, generator=torch.Generator().manual_seed(1), dtype=F64)
    problem = DiffusionConfig(grid, 0.01)

    # when
    solution = solve(problem, u0, [7.0, 21.0], stepping=Stepping(method=method, dt=dt))

    # then
    assert solution.method == method
    assert _relative_drift(u0, solution.fields[-1]) <= 1e-14


def test_it_raises_stability_error_with_the_limit_when_dt_is_too_large() -> None:
    # given hx = 0.5, hy = 0.25, D = 2: limit = 1 / (2 D (1/hx^2 + 1/hy^2)) = 1/80
    problem = DiffusionConfig(Grid2D((16, 16), spacing=(0.25, 0.5)), 2.0)
    u0 = torch.zeros(16, 16, dtype=F64)

    # when
    with pytest.raises(StabilityError) as caught:
        list(simulate(problem, u0, [1.0], stepping=Stepping(method="explicit", dt=0.02)))

    # then
    assert caught.value.limit == pytest.approx(1 / 80)
    assert "0.0125" in str(caught.value)


def test_it_accepts_dt_exactly_at_the_limit() -> None:
    # given
    problem = DiffusionConfig(Grid2D((16, 16)), 1.0)

    # when
    chosen = plan(problem, Stepping(method="explicit", dt=0.25))

    # then
    assert (chosen.method, chosen.dt, chosen.limit) == ("explicit", 0.25, 0.25)


def test_it_needs_no_time_step_on_auto_when_an_exact_propagator_exists() -> None:
    # given
    periodic = DiffusionConfig(Grid2D((16, 16)), 1.0)

    # when
    auto = plan(periodic, Stepping(dt=10.0))

    # then an exact propagator needs no step at all
    assert (auto.method, auto.dt) == ("spectral", None)


def test_it_reports_progress_up_to_one_and_lands_on_each_requested_time() -> None:
    # given
    problem, u0, _ = _gaussian_problem(shape=(32, 32))
    seen: list[float] = []

    # when
    snaps = list(simulate(problem, u0, [0.0, 1.05, 3.0], stepping=Stepping(method="explicit", dt=0.2),
                          progress=seen.append))

    # then
    assert [s.time for s in snaps] == [0.0, 1.05, 3.0]
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 10
    assert snaps[1].steps == 6 and snaps[2].steps == 16  # 5 full + 1 short step, then 9 full + 1 short


def test_it_stops_with_simulation_cancelled_when_the_check_says_so() -> None:
    # given a check that cancels on its third poll
    problem, u0, _ = _gaussian_problem(shape=(32, 32))
    polls: list[int] = []

    def cancel() -> bool:
        polls.append(1)
        return len(polls) >= 3

    # when
    with pytest.raises(SimulationCancelled) as caught:
        list(simulate(problem, u0, [10.0], stepping=Stepping(method="explicit", dt=0.2), should_cancel=cancel))

    # then
    assert 0 < caught.value.time < 10.0


def test_it_raises_stability_error_when_the_state_blows_up() -> None:
    # given a non-finite initial value, which the explicit loop must not carry silently
    problem = DiffusionConfig(Grid2D((8, 8)), 1.0)
    u0 = torch.zeros(8, 8, dtype=F64)
    u0[3, 3] = math.inf

    # when / then
    with pytest.raises(StabilityError, match="non-finite"):
        solve(problem, u0, [1.0], stepping=Stepping(method="explicit"))


def test_it_rejects_a_field_of_the_wrong_shape() -> None:
    # given
    problem = DiffusionConfig(Grid2D((8, 8)), 1.0)

    # when / then
    with pytest.raises(ValueError, match="shape"):
        solve(problem, torch.zeros(8, 9, dtype=F64), [1.0])
