from __future__ import annotations

import pytest
import torch

from kernels.next_vector import NVPNet, conservation_error, flux_divergence, prior_step, tiny_config
from kernels.pde import compensated_sum

F64 = torch.float64


def _untrained(kind: str, seed: int, boost: float = 1.0) -> NVPNet:
    net = NVPNet(tiny_config(kind), generator=torch.Generator().manual_seed(seed))
    # large random fluxes stress the update more than a near-zero trained correction would
    net.flux_scale.fill_(boost)
    return net


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("offset", [0.0, 1.0, 1e3])
def test_it_conserves_the_total_of_diffusion_fields_to_1e_12_with_untrained_weights(seed: int, offset: float) -> None:
    # given
    gen = torch.Generator().manual_seed(100 + seed)
    net = _untrained("diffusion", seed, boost=10.0)
    history = offset + torch.randn(6, 2, 1, 16, 16, generator=gen, dtype=F64)

    # when
    with torch.no_grad():
        nxt = net(history)

    # then
    assert float((nxt - prior_step(history[:, -1], net.config.problem)).abs().max()) > 1e-3
    assert float(conservation_error(nxt, history[:, -1]).max()) <= 1e-12


@pytest.mark.parametrize("seed", range(3))
def test_it_conserves_exactly_in_float32_networks_fed_float32_histories(seed: int) -> None:
    # given
    gen = torch.Generator().manual_seed(seed)
    net = _untrained("diffusion", seed)
    history = torch.rand(4, 2, 1, 16, 16, generator=gen).to(torch.float32)

    # when
    with torch.no_grad():
        nxt = net(history)

    # then
    assert nxt.dtype == F64
    assert float(conservation_error(nxt, history[:, -1].to(F64)).max()) <= 1e-12


@pytest.mark.parametrize("seed", range(3))
def test_it_changes_gray_scott_totals_only_by_the_prior_reaction_budget(seed: int) -> None:
    # given
    gen = torch.Generator().manual_seed(seed)
    net = _untrained("gray_scott", seed, boost=1.0)
    history = torch.rand(5, 2, 2, 16, 16, generator=gen, dtype=F64)

    # when
    with torch.no_grad():
        nxt = net(history)
    prior = prior_step(history[:, -1], net.config.problem)

    # then
    assert float((nxt - prior).abs().max()) > 1e-3
    assert float(conservation_error(nxt, prior).max()) <= 1e-12


def test_it_keeps_the_sum_of_any_flux_divergence_at_rounding_level() -> None:
    # given
    gen = torch.Generator().manual_seed(7)
    fx, fy = torch.randn(2, 3, 1, 20, 12, generator=gen, dtype=F64)

    # when
    change = flux_divergence(fx, fy)

    # then
    total = compensated_sum(change, dims=2).abs()
    assert float(total.max()) <= 1e-13 * float(fx.abs().sum())
