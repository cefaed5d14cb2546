from __future__ import annotations

import math

import pytest
import torch

from kernels.next_vector import band_errors, conservation_error, crmse, entropy_coherence, nrmse

F64 = torch.float64


def _field(seed: int, shape: tuple[int, ...] = (4, 2, 16, 16)) -> torch.Tensor:
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed), dtype=F64) + 0.5


def test_it_gives_zero_nrmse_and_crmse_for_identical_fields() -> None:
    # given
    true = _field(0)

    # when
    scores = (nrmse(true.clone(), true), crmse(true.clone(), true))

    # then
    assert all(s.shape == (4,) and float(s.abs().max()) == 0.0 for s in scores)


def test_it_scales_nrmse_with_the_relative_error() -> None:
    # given
    true = _field(1)

    # when
    score = nrmse(1.03 * true, true)

    # then
    assert torch.allclose(score, torch.full((4,), 0.03, dtype=F64), atol=1e-12)


def test_it_measures_crmse_as_the_error_of_the_domain_average() -> None:
    # given
    true = torch.zeros(1, 1, 8, 8, dtype=F64)
    pred = true.clone()
    pred[0, 0, :2, :] = 0.5  # 16 of 64 cells off by 0.5: the average is off by 0.125

    # when
    score = crmse(pred, true)

    # then
    assert float(score) == pytest.approx(0.125, abs=1e-15)


def test_it_splits_nrmse_into_bands_that_add_up_in_quadrature() -> None:
    # given
    true = _field(2)
    pred = true + 0.02 * torch.randn(true.shape, generator=torch.Generator().manual_seed(3), dtype=F64)

    # when
    bands = band_errors(pred, true)

    # then
    assert bands.shape == (4, 3)
    assert torch.allclose(bands.square().sum(dim=-1), nrmse(pred, true).square(), rtol=1e-12)


def test_it_puts_a_smooth_error_in_the_low_band_and_a_checkerboard_in_the_high_band() -> None:
    # given
    true = _field(4, (1, 1, 32, 32))
    y, x = torch.meshgrid(torch.arange(32.0, dtype=F64), torch.arange(32.0, dtype=F64), indexing="ij")
    smooth = 0.01 * torch.cos(2 * math.pi * 2 * x / 32)
    checker = 0.01 * (-1.0) ** (x + y)

    # when
    low = band_errors(true + smooth, true)[0]
    high = band_errors(true + checker, true)[0]

    # then
    assert float(low[0]) > 0 and float(low[1:].abs().max()) < 1e-15
    assert float(high[2]) > 0 and float(high[:2].abs().max()) < 1e-15


def test_it_scores_entropy_coherence_one_for_equal_fields_and_less_for_a_flattened_one() -> None:
    # given
    true = _field(5)
    flat = torch.full_like(true, float(true.mean()))

    # when
    same = entropy_coherence(true, true)
    flattened = entropy_coherence(flat, true)

    # then
    assert torch.allclose(same, torch.ones(4, dtype=F64))
    assert float(flattened.max()) < 1.0


def test_it_can_score_a_noisy_field_near_one_which_is_why_entropy_coherence_is_weak() -> None:
    # given
    true = _field(6)
    order = torch.randperm(256, generator=torch.Generator().manual_seed(0))
    scrambled = true.flatten(-2)[..., order].reshape(true.shape)

    # when
    score = entropy_coherence(scrambled, true)

    # then
    assert float(score.min()) > 0.999
    assert float(nrmse(scrambled, true).min()) > 0.1


def test_it_handles_signed_fields_in_entropy_coherence() -> None:
    # given
    true = _field(7) - 1.0

    # when
    score = entropy_coherence(true + 0.01, true)

    # then
    assert bool(torch.isfinite(score).all()) and float(score.min()) > 0.9


def test_it_reports_relative_conservation_error_against_the_absolute_total() -> None:
    # given
    ref = torch.tensor([[[1.0, -1.0], [2.0, -2.0]]], dtype=F64)
    new = ref.clone()
    new[0, 0, 0] += 0.06

    # when
    err = conservation_error(new, ref)

    # then
    assert float(err) == pytest.approx(0.01, rel=1e-12)
