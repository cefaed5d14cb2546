"""Graph heat equation on a weighted asset network: Laplacian, exact kernel, steppers, conservation."""

from __future__ import annotations

import math

import pytest
import torch

from kernels.pde import (
    GraphHeatConfig,
    StabilityError,
    Stepping,
    dense_laplacian,
    graph_heat_eigen,
    graph_laplacian,
    plan,
    solve,
    total_energy,
)

F64 = torch.float64
N, E, T = 300, 900, 3.0


def _random_graph(n: int = N, e: int = E, seed: int = 3) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    src, dst = torch.randint(0, n, (e,), generator=gen), torch.randint(0, n, (e,), generator=gen)
    return src, dst, 0.1 + torch.rand(e, generator=gen, dtype=F64)


def _shock(n: int = N, node: int = 5) -> torch.Tensor:
    u0 = torch.zeros(n, dtype=F64)
    u0[node] = 1.0
    return u0


def test_it_builds_d_minus_w_from_an_edge_list_with_duplicates_and_self_loops() -> None:
    # given edges 0-1 (twice), 1-2 and a self-loop at 2
    src, dst = torch.tensor([0, 1, 1, 2]), torch.tensor([1, 0, 2, 2])
    weight = torch.tensor([1.0, 2.0, 0.5, 9.0], dtype=F64)

    # when
    lap = dense_laplacian(graph_laplacian(3, src, dst, weight))

    # then
    expected = torch.tensor([[3.0, -3.0, 0.0], [-3.0, 3.5, -0.5], [0.0, -0.5, 0.5]], dtype=F64)
    assert torch.equal(lap, expected)


def test_it_rejects_negative_weights_and_unknown_nodes() -> None:
    # when / then
    with pytest.raises(ValueError, match="non-negative"):
        graph_laplacian(2, torch.tensor([0]), torch.tensor([1]), torch.tensor([-1.0]))
    with pytest.raises(ValueError, match="node ids"):
        graph_laplacian(2, torch.tensor([0]), torch.tensor([2]))


def test_it_matches_the_matrix_exponential_with_the_eigen_propagator() -> None:
    # given
    lap = graph_laplacian(N, *_random_graph())
    reference = torch.linalg.matrix_exp(-T * dense_laplacian(lap)) @ _shock()

    # when
    solution = solve(GraphHeatConfig(lap), _shock(), [T])

    # then
    assert solution.method == "spectral"
    assert float((solution.fields[-1] - reference).abs().max()) <= 1e-13


@pytest.mark.parametrize("dt", [None, 0.02])
def test_it_keeps_explicit_euler_under_its_a_priori_bound(dt: float | None) -> None:
    # given per mode, steps h_i <= h with h l <= 1 (the checked limit), sum_i h_i = T:
    # |prod(1 - h_i l) - e^{-l T}| <= T h l^2 / 2 e^{-l (T - h)} <= 2 h T / (e^2 (T - h)^2)
    lap = graph_laplacian(N, *_random_graph())
    exact = graph_heat_eigen(lap, _shock(), [T])[0]

    # when
    solution = solve(GraphHeatConfig(lap), _shock(), [T], stepping=Stepping(method="explicit", dt=dt))

    # then (||u0||_2 = 1)
    h = solution.plan.dt
    bound = 2 * h * T / (math.e**2 * (T - h) ** 2) + 1e-13
    assert float(torch.linalg.vector_norm(solution.fields[-1] - exact)) <= bound


def test_it_keeps_crank_nicolson_second_order_in_dt() -> None:
    # given two step sizes
    lap = graph_laplacian(N, *_random_graph())
    exact = graph_heat_eigen(lap, _shock(), [T])[0]

    # when
    errors = [
        float((solve(GraphHeatConfig(lap), _shock(), [T],
                     stepping=Stepping(method="implicit", dt=dt)).fields[-1] - exact).abs().max())
        for dt in (0.1, 0.05)
    ]

    # then halving dt cuts the error ~4x, and it is already small
    assert 3.5 < errors[0] / errors[1] < 4.5
    assert errors[1] < 1e-4


@pytest.mark.parametrize("method,dt", [("explicit", None), ("implicit", 0.5), ("spectral", None)])
def test_it_conserves_total_heat_to_1e_14(method: str, dt: float | None) -> None:
    # given a rough start on a graph with widely spread weights
    src, dst, weight = _random_graph()
    lap = graph_laplacian(N, src, dst, weight**4)
    u0 = torch.rand(N, generator=torch.Generator().manual_seed(9), dtype=F64)

    # when
    solution = solve(GraphHeatConfig(lap, rate=2.0), u0, [1.0, 10.0], stepping=Stepping(method=method, dt=dt))

    # then
    e0 = float(total_energy(u0, spatial_dims=1))
    assert abs(float(total_energy(solution.fields[-1], spatial_dims=1)) - e0) <= 1e-14 * e0


def test_it_spreads_a_shock_to_neighbours_first() -> None:
    # given a path 0 - 1 - 2 - 3
    lap = graph_laplacian(4, torch.tensor([0, 1, 2]), torch.tensor([1, 2, 3]))

    # when
    heat = solve(GraphHeatConfig(lap), _shock(4, 0), [0.3]).fields[-1]

    # then
    assert float(heat[0]) > float(heat[1]) > float(heat[2]) > float(heat[3]) > 0


def test_it_raises_stability_error_above_one_over_rate_times_max_degree() -> None:
    # given max weighted degree 3.5 and rate 2: limit 1 / 7
    lap = graph_laplacian(3, torch.tensor([0, 1]), torch.tensor([1, 2]), torch.tensor([3.0, 0.5], dtype=F64))

    # when
    with pytest.raises(StabilityError) as caught:
        solve(GraphHeatConfig(lap, rate=2.0), _shock(3, 0), [1.0], stepping=Stepping(method="explicit", dt=0.15))

    # then
    assert caught.value.limit == pytest.approx(1 / 7)


def test_it_uses_the_eigen_propagator_only_up_to_eigen_max_nodes() -> None:
    # given
    lap = graph_laplacian(N, *_random_graph())

    # when
    small, large = plan(GraphHeatConfig(lap)), plan(GraphHeatConfig(lap), Stepping(eigen_max_nodes=N - 1))

    # then
    assert small.method == "spectral"
    assert large.method == "explicit"
