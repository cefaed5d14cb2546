"""Frozen configuration of the window diffusion forecaster."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ForecastConfig:
    """A DDPM over fixed-length windows of a univariate signal, conditioned on the window before.

    Attributes:
        window: points generated per sample (the forecast horizon).
        context: conditioning points immediately before the window.
        diffusion_steps: noise levels T of the cosine schedule (sampling runs all of them).
        hidden, depth: width and residual blocks of the MLP denoiser.
        embedding: size of the sinusoidal noise-level embedding.
        steps, batch, lr: Adam optimiser steps, windows per step, peak learning rate (cosine decay).
        scale_floor: lower bound on the per-window scale, as a fraction of the training targets'
            standard deviation, so a flat context does not blow the normalisation up.

    Example:
        >>> ForecastConfig().window
        32
    """

    window: int = 32
    context: int = 32
    diffusion_steps: int = 50
    hidden: int = 128
    depth: int = 3
    embedding: int = 32
    steps: int = 3000
    batch: int = 256
    lr: float = 2e-3
    scale_floor: float = 0.05

    def __post_init__(self) -> None:
        if min(self.window, self.context, self.diffusion_steps, self.hidden, self.depth, self.steps, self.batch) < 1:
            raise ValueError("window, context, diffusion_steps, hidden, depth, steps and batch must be >= 1")
        if self.embedding % 2:
            raise ValueError("embedding must be even (sine and cosine halves)")


def tiny_forecast_config(steps: int = 300) -> ForecastConfig:
    """Seconds-long preset for tests: 16-point windows, a narrow network, 20 noise levels.

    Example:
        >>> tiny_forecast_config().window
        16
    """
    return ForecastConfig(window=16, context=16, diffusion_steps=20, hidden=64, depth=2, embedding=16,
                          steps=steps, batch=128, lr=3e-3)
