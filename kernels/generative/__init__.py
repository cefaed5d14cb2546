"""Denoising diffusion over fixed-length windows of a univariate signal.

A DDPM (MLP noise predictor) generates the next window given the previous one: sampling it many
times gives probabilistic forecasts, chaining it gives synthetic telemetry. Sample-based scores
(CRPS, energy score, interval coverage), a seasonal-naive baseline and split-conformal spread
calibration come with it. Arrays in, arrays out; see ``docs/nvp.md``.
"""

from __future__ import annotations

from kernels.generative.baselines import SeasonalNaive, fit_seasonal_naive, seasonal_naive, seasonal_naive_samples
from kernels.generative.calibrate import apply_spread, conformal_spread
from kernels.generative.config import ForecastConfig, tiny_forecast_config
from kernels.generative.data import synthetic_telemetry, windows_from_series
from kernels.generative.metrics import coverage, crps, energy_score, interval
from kernels.generative.model import WindowDenoiser, cosine_alpha_bar
from kernels.generative.sample import forecast, synthesize
from kernels.generative.train import ForecastTrainResult, TrainingCancelled, train_forecaster

__all__ = [
    "ForecastConfig",
    "ForecastTrainResult",
    "SeasonalNaive",
    "TrainingCancelled",
    "WindowDenoiser",
    "apply_spread",
    "conformal_spread",
    "cosine_alpha_bar",
    "coverage",
    "crps",
    "energy_score",
    "fit_seasonal_naive",
    "forecast",
    "interval",
    "seasonal_naive",
    "seasonal_naive_samples",
    "synthesize",
    "synthetic_telemetry",
    "tiny_forecast_config",
    "train_forecaster",
    "windows_from_series",
]
