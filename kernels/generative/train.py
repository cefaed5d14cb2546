"""Fitting the window denoiser with the standard DDPM noise-prediction loss."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from kernels.generative.config import ForecastConfig
from kernels.generative.model import WindowDenoiser

ProgressFn = Callable[[float], None]
StopFn = Callable[[], bool]


class TrainingCancelled(Exception):
    """``should_stop()`` returned True after ``step`` optimiser steps."""

    def __init__(self, step: int) -> None:
        super().__init__(f"training cancelled after {step} steps")
        self.step = step


@dataclass(frozen=True)
class ForecastTrainResult:
    """The fitted denoiser (eval mode) and its loss per step."""

    model: WindowDenoiser
    losses: list[float]


def _lr_factor(step: int, steps: int) -> float:
    warm = max(1, steps // 20)
    if step < warm:
        return (step + 1) / warm
    return 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, steps - warm)))


def _loss(model: WindowDenoiser, contexts: torch.Tensor, targets: torch.Tensor,
          generator: torch.Generator) -> torch.Tensor:
    """Noise-prediction MSE on one batch; noise levels and noise come from ``generator`` (CPU)."""
    ctx, loc, scale = model.normalise(contexts)
    x0 = (targets.to(ctx) - loc) / scale
    t = torch.randint(0, model.config.diffusion_steps, (x0.shape[0],), generator=generator).to(x0.device)
    eps = torch.randn(x0.shape, generator=generator, dtype=torch.float32).to(x0.device)
    ab = model.alpha_bar[t].unsqueeze(-1)
    x_t = ab.sqrt() * x0 + (1 - ab).sqrt() * eps
    return (model(x_t, ctx, t) - eps).square().mean()


def train_forecaster(
    contexts: torch.Tensor,
    targets: torch.Tensor,
    config: ForecastConfig,
    generator: torch.Generator,
    *,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    device: torch.device | str = "cpu",
) -> ForecastTrainResult:
    """Fit a :class:`WindowDenoiser` on (context, window) pairs.

    Args:
        contexts: (N, config.context) values preceding each target window.
        targets: (N, config.window) windows to learn to generate.
        generator: CPU generator for weights, batches and noise.
        progress: called with the fraction done (every 20 steps and at the end).
        should_stop: polled before every step; True raises :class:`TrainingCancelled`.

    Cost: ``ForecastConfig()`` ~30-60 s on 2 CPU threads (3000 steps of 256 windows).

    Example:
        >>> from kernels.generative.config import tiny_forecast_config
        >>> from kernels.generative.data import synthetic_telemetry, windows_from_series
        >>> c, w = windows_from_series(synthetic_telemetry(400, torch.Generator().manual_seed(0)), 16, 16)
        >>> len(train_forecaster(c, w, tiny_forecast_config(steps=3), torch.Generator().manual_seed(1)).losses)
        3
    """
    if contexts.shape[-1] != config.context or targets.shape[-1] != config.window or len(contexts) != len(targets):
        raise ValueError("contexts must be (N, context) and targets (N, window) with the same N")
    model = WindowDenoiser(config)
    model.initialise(generator)
    model.floor.fill_(config.scale_floor * float(targets.to(torch.float64).std()))
    model = model.to(device).train()
    losses = _fit(model, contexts, targets, generator, progress, should_stop)
    return ForecastTrainResult(model.eval(), losses)


def _fit(model: WindowDenoiser, contexts: torch.Tensor, targets: torch.Tensor, generator: torch.Generator,
         progress: ProgressFn | None, should_stop: StopFn | None) -> list[float]:
    config = model.config
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: _lr_factor(s, config.steps))
    losses: list[float] = []
    for step in range(config.steps):
        if should_stop is not None and should_stop():
            raise TrainingCancelled(step)
        idx = torch.randint(0, len(contexts), (config.batch,), generator=generator)
        loss = _loss(model, contexts[idx], targets[idx], generator)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if progress is not None and (step % 20 == 19 or step == config.steps - 1):
            progress((step + 1) / config.steps)
    return losses
