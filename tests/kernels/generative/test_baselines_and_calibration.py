from __future__ import annotations

import torch

from kernels.generative import (
    apply_spread,
    conformal_spread,
    coverage,
    fit_seasonal_naive,
    interval,
    seasonal_naive,
    seasonal_naive_samples,
    synthetic_telemetry,
    windows_from_series,
)

F64 = torch.float64


def test_it_repeats_the_last_season_for_any_window_length() -> None:
    # given
    contexts = torch.tensor([[9.0, 1.0, 2.0, 3.0], [0.0, 4.0, 5.0, 6.0]])

    # when
    point = seasonal_naive(contexts, 7, 3)

    # then
    assert point.tolist() == [[1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0], [4.0, 5.0, 6.0, 4.0, 5.0, 6.0, 4.0]]


def test_it_forecasts_a_noiseless_seasonal_series_exactly_with_zero_width_intervals() -> None:
    # given
    series = torch.sin(2 * torch.pi * torch.arange(200, dtype=F64) / 8)
    contexts, targets = windows_from_series(series, 16, 8)

    # when
    baseline = fit_seasonal_naive(contexts, targets, 8)
    draws = seasonal_naive_samples(baseline, contexts[:5], 20, torch.Generator().manual_seed(0))

    # then
    assert float(baseline.residuals.abs().max()) < 1e-12
    assert torch.allclose(draws, targets[:5].unsqueeze(1).expand(5, 20, 8), atol=1e-12)


def test_it_widens_too_narrow_samples_to_the_requested_coverage_on_fresh_data() -> None:
    # given
    gen = torch.Generator().manual_seed(1)
    narrow = 0.4 * torch.randn(1, 200, 3, generator=gen, dtype=F64)  # true spread is 1
    calibration = torch.randn(2000, 3, generator=gen, dtype=F64)
    fresh = torch.randn(2000, 3, generator=gen, dtype=F64)

    # when
    factor = conformal_spread(narrow.expand(2000, 200, 3), calibration)
    widened = apply_spread(narrow, factor)
    lo, hi = interval(widened)

    # then
    assert factor.shape == (3,) and float(factor.min()) > 2.0
    assert 0.88 < float(coverage(lo.expand(2000, 3), hi.expand(2000, 3), fresh)) < 0.92


def test_it_keeps_the_median_when_scaling_the_spread() -> None:
    # given
    samples = torch.randn(4, 51, 2, generator=torch.Generator().manual_seed(2), dtype=F64) + 3.0

    # when
    scaled = apply_spread(samples, torch.tensor([0.5, 2.0]))

    # then
    assert torch.allclose(scaled.median(dim=1).values, samples.median(dim=1).values)


def test_it_generates_reproducible_regime_switching_telemetry() -> None:
    # given
    make = lambda: synthetic_telemetry(3000, torch.Generator().manual_seed(4), regime_length=300.0)  # noqa: E731

    # when
    a, b = make(), make()

    # then
    assert torch.equal(a, b)
    means = a.unfold(0, 300, 300).mean(dim=1)
    assert float(means.max() - means.min()) > 1.0  # the level actually shifts between regimes
