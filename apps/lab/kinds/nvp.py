"""Next-vector prediction kinds: train a conservative next-frame model on engine trajectories, then forecast a
field with it and compare the rollout with the engine's own solution."""
from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
import torch
from rest_framework import serializers

from apps.core.serializers import BoundedIntegerField, FiniteFloatField
from apps.lab import plots
from apps.lab.kinds.base import File, Hooks, JobKindSpec, JobStopped, LabParams, Outcome, invalid_params
from apps.lab.models import JobKind, JobStatus, LabJob
from apps.lab.pricing import MAX_TRAINING_WORK, SPECTRAL_FACTOR, Estimate, network_work
from kernels import next_vector as nvp
from kernels.pde import diagnostics_series

MODEL_NAME = "model.pt"
GS_SPIN_UP_DT = 1.40625  # the engine's explicit Gray-Scott step in grid units (0.9 of the 1.5625 limit)


class NVPTrainParams(LabParams):
    problem = serializers.ChoiceField(choices=["diffusion", "gray_scott"], default="diffusion",
                                      help_text="The physics the model learns (periodic grid).")
    size = BoundedIntegerField(min_value=8, max_value=128, default=32, help_text="Grid cells per side.")
    frame_dt = FiniteFloatField(min_value=1e-4, max_value=100.0, required=False, allow_null=True, default=None,
                                help_text="Time between frames; empty: 0.2 (diffusion) or 10 (Gray-Scott).")
    diffusivity = FiniteFloatField(min_value=1e-3, max_value=10.0, default=1.0, help_text="Diffusion only.")
    trajectories = BoundedIntegerField(min_value=2, max_value=128, default=24,
                                       help_text="Engine trajectories to learn from.")
    frames = BoundedIntegerField(min_value=4, max_value=64, default=24, help_text="Frames per trajectory.")
    steps = BoundedIntegerField(min_value=1, max_value=20_000, default=1500, help_text="Optimiser steps.")
    batch = BoundedIntegerField(min_value=1, max_value=128, default=16)
    width = BoundedIntegerField(min_value=2, max_value=128, default=24)
    depth = BoundedIntegerField(min_value=1, max_value=8, default=3)
    history = BoundedIntegerField(min_value=1, max_value=4, default=2, help_text="Frames the model sees.")
    lr = FiniteFloatField(min_value=1e-6, max_value=0.1, default=3e-3, help_text="Peak learning rate.")
    seed = BoundedIntegerField(min_value=0, max_value=2**31 - 1, default=0)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["frames"] <= attrs["history"] + 1:
            raise serializers.ValidationError({"frames": ["Must exceed history + 1 (a window and its next frame)."]})
        return attrs


def train_config(params: dict[str, Any]) -> nvp.NVPConfig:
    base = nvp.small_config(params["problem"])
    size = params["size"]
    problem = replace(base.problem, shape=(size, size), diffusivity=params["diffusivity"],
                      frame_dt=params["frame_dt"] or base.problem.frame_dt)
    data = replace(base.data, n_train=params["trajectories"], n_val=max(1, params["trajectories"] // 6),
                   frames=params["frames"])
    model = replace(base.model, width=params["width"], depth=params["depth"], history=params["history"])
    train = replace(base.train, steps=params["steps"], batch=params["batch"], lr=params["lr"],
                    warmup_steps=min(base.train.warmup_steps, max(1, params["steps"] // 10)))
    return nvp.NVPConfig(problem, data=data, model=model, train=train)


def forward_macs(config: nvp.NVPConfig) -> float:
    """Multiply-adds of one forward pass, whole grid: the 3x3 body, its 1x1 head and the linear branch."""
    m, c = config.model, config.problem.channels
    inputs, outputs = c * (m.history + 1), 2 * c
    per_cell = 9 * (inputs * m.width + (m.depth - 1) * m.width * m.width) + m.width * outputs \
        + m.linear_kernel ** 2 * inputs * outputs
    return float(per_cell * config.problem.shape[0] * config.problem.shape[1])


def trajectory_work(config: nvp.NVPConfig, frames: int) -> float:
    """Cell updates the engine spends on one reference trajectory of `frames` frames."""
    spec = config.problem
    size = spec.shape[0] * spec.shape[1] * spec.channels
    span = (frames - 1) * spec.frame_dt
    if spec.kind == "diffusion" and spec.truth_dt is None:
        return float(size * frames * SPECTRAL_FACTOR)
    stepped = size * math.ceil(span / (spec.truth_dt or spec.frame_dt))
    spin_up = size * math.ceil(spec.warmup[1] / GS_SPIN_UP_DT) if spec.kind == "gray_scott" else 0
    return float(stepped + spin_up)


class NVPTrain(JobKindSpec):
    name = JobKind.NVP_TRAIN.value
    label = "Train a next-frame model"
    description = ("Learns to predict the next frame of a diffusion or Gray-Scott field from engine trajectories; "
                   "the model moves quantity between cells only, so it conserves exactly.")
    serializer = NVPTrainParams
    max_work = MAX_TRAINING_WORK
    # nRMSEs and losses are fractions of the prior's error, so they carry no unit.
    metric_units: ClassVar[dict[str, str]] = {"steps": "optimiser steps", "seconds": "s",
                                              "improvement_over_persistence": "×"}

    def _config(self, params: dict[str, Any]) -> nvp.NVPConfig:
        try:
            return train_config(params)
        except ValueError as exc:
            raise invalid_params({"params.frame_dt": [str(exc)]}) from exc

    def _work(self, config: nvp.NVPConfig) -> float:
        data = (config.data.n_train + config.data.n_val) * trajectory_work(config, config.data.frames)
        windows = config.data.n_val * (config.data.frames - config.model.history)
        fit = network_work(forward_macs(config), config.train.steps * config.train.batch, training=True)
        return data + fit + network_work(forward_macs(config), windows, training=False)

    def plan(self, params: dict[str, Any], *, tenant_id: int | None = None) -> Estimate:
        config = self._config(params)
        work = self._work(config)
        self.check_limits(work, field="steps")
        return Estimate(work, "adam", config.train.steps, {"reason": f"{config.data.n_train} training trajectories "
                                                                     f"of {config.data.frames} frames"})

    def run(self, params: dict[str, Any], *, device: torch.device, hooks: Hooks, tenant_id: int) -> Outcome:
        config = self._config(params)
        result = nvp.train(config, torch.Generator().manual_seed(params["seed"]), progress=hooks.progress,
                           should_stop=hooks.should_cancel, device=device)
        blob = nvp.save_model(result.model, {"trained_by": "lab"})
        val, base = result.meta["metrics"]["val_one_step"], result.meta["metrics"]["val_persistence"]
        losses = np.asarray(result.losses)
        metrics = {"val_nrmse": val["nrmse"], "val_crmse": val["crmse"], "persistence_nrmse": base["nrmse"],
                   "improvement_over_persistence": base["nrmse"] / val["nrmse"] if val["nrmse"] else None,
                   "first_loss": float(losses[0]), "final_loss": float(losses[-1]), "steps": len(losses),
                   "seconds": result.meta["training"]["seconds"], "problem": config.problem.kind,
                   "config": nvp.config_to_dict(config)}
        picture = plots.curves(np.arange(1, len(losses) + 1), {"training loss": losses}, xlabel="optimiser step",
                               ylabel="loss (fraction of the prior's error)", title="Training", log_y=True)
        return Outcome(arrays={"losses": losses}, metrics=metrics, work=self._work(config),
                       files=[File(MODEL_NAME, blob, "application/octet-stream"),
                              File("training_loss.png", picture, "image/png")])


class NVPForecastParams(LabParams):
    model_job = BoundedIntegerField(min_value=1, help_text="Id of your finished nvp_train job.")
    horizon = BoundedIntegerField(min_value=1, max_value=1000, default=50, help_text="Frames to predict.")
    seed = BoundedIntegerField(min_value=0, max_value=2**31 - 1, default=0,
                               help_text="Seed of the initial field (drawn like the training data).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if model_config(self.context.get("tenant_id"), attrs["model_job"]) is None:
            raise serializers.ValidationError({"model_job": ["No finished nvp_train job of yours has this id."]})
        return attrs


def model_config(tenant_id: int | None, job_id: int) -> nvp.NVPConfig | None:
    if tenant_id is None:
        return None
    job = LabJob.objects.filter(tenant_id=tenant_id, pk=job_id, kind=JobKind.NVP_TRAIN,
                                status=JobStatus.SUCCEEDED).first()
    return nvp.config_from_dict(job.metrics["config"]) if job is not None and "config" in job.metrics else None


class NVPForecast(JobKindSpec):
    name = JobKind.NVP_FORECAST.value
    label = "Forecast with a trained model"
    description = ("Rolls a trained next-frame model forward from a fresh initial field and compares it with the "
                   "engine's solution, frame by frame, with the conservation error of every frame.")
    serializer = NVPForecastParams
    metric_units: ClassVar[dict[str, str]] = {"seconds": "s", "horizon": "frames"}

    def _work(self, config: nvp.NVPConfig, horizon: int) -> float:
        frames = config.model.history + horizon
        return trajectory_work(config, frames) + network_work(forward_macs(config), horizon, training=False)

    def plan(self, params: dict[str, Any], *, tenant_id: int | None = None) -> Estimate:
        config = model_config(tenant_id, params["model_job"])
        if config is None:
            raise invalid_params({"params.model_job": ["No finished nvp_train job of yours has this id."]})
        work = self._work(config, params["horizon"])
        self.check_limits(work, field="horizon")
        return Estimate(work, "rollout", params["horizon"], {"reason": f"{config.problem.kind} model on a "
                                                                       f"{config.problem.shape[0]}-cell grid"})

    def run(self, params: dict[str, Any], *, device: torch.device, hooks: Hooks, tenant_id: int) -> Outcome:
        from apps.lab.artefacts import artefact_bytes

        model, _ = nvp.load_model(artefact_bytes(tenant_id=tenant_id, job_id=params["model_job"], name=MODEL_NAME),
                                  device=device)
        config, k, horizon = model.config, model.config.model.history, params["horizon"]
        truth = nvp.generate_trajectories(config.problem, config.data, 1, torch.Generator().manual_seed(params["seed"]),
                                          frames=k + horizon, should_stop=hooks.should_cancel).fields
        hooks.progress(0.2)
        started = time.perf_counter()
        forecast = _rollout(model, truth[:, :k].to(device), horizon, hooks)
        seconds = time.perf_counter() - started
        arrays, metrics = _compare(config, truth[0].numpy(), forecast.numpy(), k)
        metrics.update({"seconds": seconds, "horizon": horizon, "model_job": params["model_job"],
                        "problem": config.problem.kind})
        return Outcome(arrays=arrays, metrics=metrics, work=self._work(config, horizon),
                       files=_forecast_pictures(config, arrays))


@torch.no_grad()
def _rollout(model: nvp.NVPNet, history: torch.Tensor, horizon: int, hooks: Hooks) -> torch.Tensor:
    """(horizon, C, ny, nx) float64 on the CPU; progress from 20 % to 100 %, a stop check every frame."""
    frames, out = history, []
    for step in range(horizon):
        if hooks.should_cancel():
            raise JobStopped(step)
        nxt = model(frames)
        out.append(nxt[0].to("cpu"))
        frames = torch.cat([frames[:, 1:], nxt.unsqueeze(1)], dim=1)
        hooks.progress(0.2 + 0.8 * (step + 1) / horizon)
    return torch.stack(out)


def _compare(config: nvp.NVPConfig, truth: np.ndarray, forecast: np.ndarray, k: int) -> tuple[dict, dict]:
    """Per-frame nRMSE of the model and of persistence, and the conservation error against the last input."""
    true = torch.from_numpy(truth[k:])
    pred = torch.from_numpy(forecast)
    last = torch.from_numpy(truth[k - 1]).expand_as(true)
    model_err = nvp.nrmse(pred, true).numpy()
    persistence_err = nvp.nrmse(last, true).numpy()
    conservation = nvp.conservation_error(pred, torch.from_numpy(truth[k - 1]).expand_as(pred)).numpy()
    times = config.problem.frame_dt * np.arange(1, len(forecast) + 1)
    arrays = {"times": times, "forecast": forecast, "truth": truth[k:], "nrmse": model_err,
              "persistence_nrmse": persistence_err, "conservation_error": conservation}
    metrics = {"nrmse_first": float(model_err[0]), "nrmse_last": float(model_err[-1]),
               "persistence_nrmse_last": float(persistence_err[-1]),
               "conservation_error_max": float(conservation.max()) if config.problem.kind == "diffusion" else None}
    return arrays, metrics


def _forecast_pictures(config: nvp.NVPConfig, arrays: dict[str, np.ndarray]) -> list[File]:
    channel = config.problem.channels - 1  # Gray-Scott shows v, where the pattern is
    times = arrays["times"]
    errors = {"model nRMSE": arrays["nrmse"], "persistence nRMSE": arrays["persistence_nrmse"]}
    files = [File("forecast.png", plots.field_panels(arrays["forecast"][:, channel], times, "Model forecast"),
                  "image/png"),
             File("truth.png", plots.field_panels(arrays["truth"][:, channel], times, "Engine solution"),
                  "image/png"),
             File("forecast_error.png", plots.curves(times, errors, xlabel="time", ylabel="nRMSE",
                                                     title="Error against the engine, frame by frame", log_y=True),
                  "image/png")]
    t = torch.from_numpy(times)
    diag = diagnostics_series(t, torch.from_numpy(arrays["forecast"][:, channel]))
    files.append(File("energy_entropy.png", plots.energy_entropy(times, diag.energy.numpy(), diag.entropy.numpy(),
                                                                 diag.entropy_production.numpy(), ("forecast",)),
                      "image/png"))
    return files
