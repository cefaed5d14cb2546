"""Gray-Scott: bounded states and pattern formation from a seeded start, for every method."""

from __future__ import annotations

import pytest
import torch

from kernels.pde import GrayScottConfig, Grid2D, StabilityError, Stepping, gray_scott_seed, plan, solve

F64 = torch.float64
GRID = Grid2D((96, 96))


def _seed(seed: int = 7) -> torch.Tensor:
    return gray_scott_seed(GRID, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize(
    "stepping",
    [Stepping(method="explicit", dt=1.0), Stepping(method="implicit", dt=1.0), Stepping(method="spectral", dt=1.0)],
    ids=["explicit", "imex", "etd"],
)
def test_it_stays_bounded_and_grows_a_pattern_from_the_standard_seed(stepping: Stepping) -> None:
    # given the coral regime (F = 0.060, k = 0.062) and a 20 x 20 seeded square
    problem = GrayScottConfig(GRID)
    seed = _seed()

    # when
    fields = solve(problem, seed, [500.0, 2500.0], stepping=stepping).fields
    u, v = fields[:, 0], fields[:, 1]

    # then u, v stay in [0, 1] up to spectral ringing, and v spreads from 4 % of the area
    assert float(u.min()) > 0.2 and float(u.max()) < 1.0 + 1e-5
    assert float(v.min()) > -1e-3 and float(v.max()) < 0.6
    assert float(v[-1].var()) > 5e-3 and float(v[-1].var()) > 1.5 * float(v[0].var())
    assert float((v[-1] > 0.1).double().mean()) > 0.12


def test_it_gives_the_same_pattern_for_the_same_generator_seed() -> None:
    # given
    problem = GrayScottConfig(GRID)

    # when
    a = solve(problem, _seed(3), [200.0], stepping=Stepping(method="explicit", dt=1.0)).fields
    b = solve(problem, _seed(3), [200.0], stepping=Stepping(method="explicit", dt=1.0)).fields
    c = solve(problem, _seed(4), [200.0], stepping=Stepping(method="explicit", dt=1.0)).fields

    # then
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_it_leaves_the_trivial_state_u1_v0_unchanged() -> None:
    # given the homogeneous steady state, on walls
    problem = GrayScottConfig(Grid2D((16, 16), boundary="neumann"))
    state = torch.zeros(2, 16, 16, dtype=F64)
    state[0] = 1.0

    # when
    out = solve(problem, state, [50.0], stepping=Stepping(method="explicit", dt=1.0)).fields[-1]

    # then
    assert torch.equal(out, state)


def test_it_checks_the_diffusion_limit_and_picks_the_spectral_scheme_above_it_on_auto() -> None:
    # given Du = 0.16 on h = 1: limit h^2 / (4 Du) = 1.5625
    problem = GrayScottConfig(GRID)

    # when
    with pytest.raises(StabilityError) as caught:
        plan(problem, Stepping(method="explicit", dt=2.0))
    auto = plan(problem, Stepping(dt=2.0))

    # then
    assert caught.value.limit == pytest.approx(1.5625)
    assert (auto.method, auto.dt) == ("spectral", 2.0)
