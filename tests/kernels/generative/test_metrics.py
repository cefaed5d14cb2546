from __future__ import annotations

import math

import pytest
import torch

from kernels.generative import coverage, crps, energy_score, interval

F64 = torch.float64


def test_it_gives_the_absolute_error_as_the_crps_of_a_point_mass() -> None:
    # given
    observed = torch.tensor([[1.0, -2.0, 0.5]], dtype=F64)
    samples = torch.tensor([3.0, 0.0, 0.5], dtype=F64).expand(1, 7, 3)

    # when
    score = crps(samples, observed)

    # then
    assert score.tolist() == [[2.0, 2.0, 0.0]]


def test_it_matches_the_pairwise_definition_of_crps() -> None:
    # given
    gen = torch.Generator().manual_seed(0)
    samples = torch.randn(4, 9, 3, generator=gen, dtype=F64)
    observed = torch.randn(4, 3, generator=gen, dtype=F64)

    # when
    fast = crps(samples, observed)
    fair = crps(samples, observed, fair=True)

    # then
    to_obs = (samples - observed.unsqueeze(1)).abs().mean(dim=1)
    pairs = (samples.unsqueeze(1) - samples.unsqueeze(2)).abs().sum(dim=(1, 2))
    assert torch.allclose(fast, to_obs - 0.5 * pairs / 81, atol=1e-13)
    assert torch.allclose(fair, to_obs - 0.5 * pairs / 72, atol=1e-13)


def test_it_approaches_the_closed_form_crps_of_a_gaussian() -> None:
    # given
    samples = torch.randn(1, 20000, 1, generator=torch.Generator().manual_seed(1), dtype=F64)
    observed = torch.zeros(1, 1, dtype=F64)

    # when
    score = float(crps(samples, observed))

    # then
    # CRPS(N(0, 1), 0) = 2 phi(0) - 1 / sqrt(pi)
    assert score == pytest.approx(2 / math.sqrt(2 * math.pi) - 1 / math.sqrt(math.pi), abs=0.01)


def test_it_gives_the_euclidean_error_as_the_energy_score_of_a_point_mass() -> None:
    # given
    samples = torch.tensor([1.0, 1.0], dtype=F64).expand(2, 5, 2)
    observed = torch.tensor([[4.0, 5.0], [1.0, 1.0]], dtype=F64)

    # when
    score = energy_score(samples, observed)

    # then
    assert torch.allclose(score, torch.tensor([5.0, 0.0], dtype=F64))


def test_it_reduces_the_energy_score_to_crps_in_one_dimension() -> None:
    # given
    gen = torch.Generator().manual_seed(2)
    samples = torch.randn(3, 11, 1, generator=gen, dtype=F64)
    observed = torch.randn(3, 1, generator=gen, dtype=F64)

    # when / then
    assert torch.allclose(energy_score(samples, observed), crps(samples, observed)[:, 0], atol=1e-12)


def test_it_covers_ninety_percent_of_draws_from_the_sampled_distribution() -> None:
    # given
    gen = torch.Generator().manual_seed(3)
    samples = torch.randn(400, 200, 4, generator=gen, dtype=F64)
    observed = torch.randn(400, 4, generator=gen, dtype=F64)

    # when
    lo, hi = interval(samples, 0.9)
    share = float(coverage(lo, hi, observed))

    # then
    assert lo.shape == (400, 4)
    assert 0.87 < share < 0.93
