from __future__ import annotations

import math

import pytest
import torch

from kernels.generative import (
    ForecastTrainResult,
    TrainingCancelled,
    apply_spread,
    conformal_spread,
    coverage,
    crps,
    fit_seasonal_naive,
    forecast,
    interval,
    seasonal_naive_samples,
    synthesize,
    tiny_forecast_config,
    train_forecaster,
    windows_from_series,
)

F64 = torch.float64
PERIOD = 8


def _easy_series(length: int, seed: int) -> torch.Tensor:
    """A clean 8-point cycle plus white noise of std 0.3: easy, and its right interval is known."""
    t = torch.arange(length, dtype=F64)
    noise = 0.3 * torch.randn(length, generator=torch.Generator().manual_seed(seed), dtype=F64)
    return 2.0 * torch.sin(2 * math.pi * t / PERIOD) + noise


@pytest.fixture(scope="module")
def trained() -> ForecastTrainResult:
    contexts, targets = windows_from_series(_easy_series(3000, 0), 16, 16)
    return train_forecaster(contexts, targets, tiny_forecast_config(steps=800), torch.Generator().manual_seed(0))


def test_it_reduces_the_denoising_loss(trained: ForecastTrainResult) -> None:
    # given
    losses = trained.losses

    # when
    first, last = sum(losses[:20]) / 20, sum(losses[-20:]) / 20

    # then
    assert last < 0.6 * first


def test_it_samples_forecasts_and_synthetic_series_of_the_right_shape(trained: ForecastTrainResult) -> None:
    # given
    contexts = torch.zeros(3, 16, dtype=F64)
    gen = torch.Generator().manual_seed(1)

    # when
    draws = forecast(trained.model, contexts, 7, gen)
    series = synthesize(trained.model, _easy_series(16, 9), 4, gen)

    # then
    assert draws.shape == (3, 7, 16) and draws.dtype == F64
    assert series.shape == (64,) and bool(torch.isfinite(series).all())


def test_it_gives_sane_coverage_and_beats_seasonal_naive_on_easy_held_out_data(trained: ForecastTrainResult) -> None:
    # given
    series = _easy_series(1600, 5)
    cal_c, cal_w = windows_from_series(series[:800], 16, 16, stride=4)
    test_c, test_w = windows_from_series(series[800:], 16, 16, stride=4)
    gen = torch.Generator().manual_seed(2)
    baseline = fit_seasonal_naive(*windows_from_series(_easy_series(3000, 0), 16, 16), PERIOD)

    # when
    raw = forecast(trained.model, test_c, 64, gen)
    factor = conformal_spread(forecast(trained.model, cal_c, 64, gen), cal_w)
    calibrated = apply_spread(raw, factor)
    naive = seasonal_naive_samples(baseline, test_c, 64, gen)

    # then
    assert 0.7 < float(coverage(*interval(raw), test_w)) <= 1.0
    assert 0.85 < float(coverage(*interval(calibrated), test_w)) < 0.95
    assert float(crps(calibrated, test_w).mean()) < float(crps(naive, test_w).mean())


def test_it_stops_training_when_asked() -> None:
    # given
    contexts, targets = windows_from_series(_easy_series(200, 3), 16, 16)
    calls = {"n": 0}

    def should_stop() -> bool:
        calls["n"] += 1
        return calls["n"] > 4

    # when
    with pytest.raises(TrainingCancelled) as caught:
        train_forecaster(contexts, targets, tiny_forecast_config(steps=100), torch.Generator(), should_stop=should_stop)

    # then
    assert caught.value.step == 4


def test_it_rejects_windows_that_do_not_match_the_config() -> None:
    # given
    contexts, targets = windows_from_series(_easy_series(200, 3), 12, 16)

    # when / then
    with pytest.raises(ValueError, match="contexts must be"):
        train_forecaster(contexts, targets, tiny_forecast_config(steps=1), torch.Generator())
