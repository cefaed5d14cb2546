"""Training loop: engine trajectories in, a fitted :class:`NVPNet` and JSON-safe metadata out.

The loss is the mean squared error of the next frame divided by the per-channel scale of the
prior's residual, i.e. the fraction of the prior's error the network has not yet removed.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import torch

from kernels.next_vector.config import NVPConfig, config_to_dict
from kernels.next_vector.data import ProgressFn, StopFn, Trajectories, generate_trajectories, windows
from kernels.next_vector.errors import TrainingCancelled
from kernels.next_vector.evaluate import one_step_metrics, persistence
from kernels.next_vector.model import NVPNet

ARTEFACT_VERSION = "next_vector/1.0"
DATA_SHARE = 0.1  # progress fraction reported for simulating the training data


@dataclass(frozen=True)
class TrainResult:
    """The fitted model (in eval mode), the loss per step and the metadata to store with it."""

    model: NVPNet
    losses: list[float]
    meta: dict[str, Any]


def _schedule(step: int, config: NVPConfig) -> float:
    """Learning-rate factor: linear warm-up, then cosine from 1 to 0.01."""
    spec = config.train
    if step < spec.warmup_steps:
        return (step + 1) / spec.warmup_steps
    frac = (step - spec.warmup_steps) / max(1, spec.steps - spec.warmup_steps)
    return 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * frac))


def _data(config: NVPConfig, generator: torch.Generator, progress: ProgressFn | None,
          should_stop: StopFn | None) -> tuple[Trajectories, Trajectories]:
    spec, data = config.problem, config.data
    scaled = None if progress is None else (lambda f: progress(DATA_SHARE * f))
    train_set = generate_trajectories(spec, data, data.n_train, generator, progress=scaled, should_stop=should_stop)
    val_set = generate_trajectories(spec, data, data.n_val, generator, should_stop=should_stop)
    return train_set, val_set


def _batch(fields: torch.Tensor, config: NVPConfig, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    n, t = fields.shape[:2]
    k, b = config.model.history, config.train.batch
    traj = torch.randint(0, n, (b,), generator=generator).to(fields.device)
    start = torch.randint(0, t - k, (b,), generator=generator).to(fields.device)
    return windows(fields, traj, start, k)


def _fit(model: NVPNet, fields: torch.Tensor, config: NVPConfig, generator: torch.Generator,
         progress: ProgressFn | None, should_stop: StopFn | None, base: float) -> list[float]:
    opt = torch.optim.Adam(model.parameters(), lr=config.train.lr, weight_decay=config.train.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: _schedule(s, config))
    losses: list[float] = []
    steps = config.train.steps
    model.train()
    for step in range(steps):
        if should_stop is not None and should_stop():
            raise TrainingCancelled(step)
        history, target = _batch(fields, config, generator)
        loss = ((model(history) - target) / model.flux_scale).square().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if progress is not None and (step % 10 == 9 or step == steps - 1):
            progress(base + (1 - base) * (step + 1) / steps)
    model.eval()
    return losses


def train(
    config: NVPConfig,
    generator: torch.Generator,
    *,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    data: tuple[Trajectories, Trajectories] | None = None,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> TrainResult:
    """Simulate training data (unless given), fit an :class:`NVPNet`, measure it on validation data.

    Args:
        config: problem, data, network and optimiser settings.
        generator: CPU generator for data, initial weights and batches (same seed, same model
            on the same device and thread count).
        progress: called with the fraction done, 0..1 (data ~10 %, then every 10 steps).
        should_stop: polled before every trajectory and optimiser step; True raises
            :class:`TrainingCancelled`.
        data: (train, validation) trajectories, e.g. to share one simulation between runs.
        device, dtype: where the network runs and its convolution dtype.

    Cost: ``small_config`` ~1-3 min on 2 CPU threads; ``tiny_config`` well under a second.

    Example:
        >>> from kernels.next_vector.config import tiny_config
        >>> result = train(tiny_config("diffusion", steps=5), torch.Generator().manual_seed(0))
        >>> len(result.losses), result.meta["version"]
        (5, 'next_vector/1.0')
    """
    started = time.perf_counter()
    train_set, val_set = data if data is not None else _data(config, generator, progress, should_stop)
    fields = train_set.fields.to(device)
    model = NVPNet(config, generator=generator, dtype=dtype).to(device)
    model.set_normalisation(fields)
    base = 0.0 if data is not None else DATA_SHARE
    losses = _fit(model, fields, config, generator, progress, should_stop, base)
    val = val_set.fields.to(device)
    metrics = {"val_one_step": one_step_metrics(model, val, config.model.history),
               "val_persistence": one_step_metrics(persistence, val, config.model.history)}
    meta = {"version": ARTEFACT_VERSION, "config": config_to_dict(config),
            "net_dtype": str(dtype).removeprefix("torch."),
            "data": {"train": train_set.description, "validation": val_set.description}, "metrics": metrics,
            "training": {"steps": len(losses), "seconds": time.perf_counter() - started,
                         "first_loss": losses[0] if losses else None, "final_loss": losses[-1] if losses else None}}
    return TrainResult(model, losses, meta)
