"""The window diffusion model trains and samples on CUDA (skipped without CUDA)."""

from __future__ import annotations

import pytest
import torch

from kernels.generative import (
    forecast,
    synthetic_telemetry,
    tiny_forecast_config,
    train_forecaster,
    windows_from_series,
)

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]


def test_it_trains_and_samples_on_cuda() -> None:
    # given
    contexts, targets = windows_from_series(synthetic_telemetry(1000, torch.Generator().manual_seed(0)), 16, 16)

    # when
    result = train_forecaster(contexts, targets, tiny_forecast_config(steps=50), torch.Generator().manual_seed(1),
                              device="cuda")
    draws = forecast(result.model, contexts[:4].cuda(), 8, torch.Generator().manual_seed(2))

    # then
    assert draws.device.type == "cuda" and draws.shape == (4, 8, 16)
    assert bool(torch.isfinite(draws).all())
