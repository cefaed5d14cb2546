"""The telemetry forecast kind: a denoising diffusion model learns a signal's windows and samples the next one.

The last `window` points are held out: the model forecasts them from the context before, and its samples are
scored (CRPS, interval coverage) against what happened and against a seasonal-naive baseline; then it forecasts
the real future after the last point.
"""
from __future__ import annotations

import math
import time
from typing import Any, ClassVar

import numpy as np
import torch
from rest_framework import serializers

from apps.core.serializers import BoundedIntegerField, FiniteFloatField
from apps.lab import plots
from apps.lab.kinds.base import File, Hooks, JobKindSpec, JobStopped, LabParams, Outcome
from apps.lab.models import JobKind
from apps.lab.pricing import MAX_TRAINING_WORK, Estimate, network_work
from apps.signals.models import Stream
from apps.signals.selectors import point_list, stream_get
from apps.tenants.models import Tenant
from kernels import generative as gen

MAX_SERIES = 100_000
QUANTILES = {"q10": 0.1, "q50": 0.5, "q90": 0.9}
TRAIN_SHARE = 0.8  # of the progress bar; sampling the two forecasts takes the rest


class TelemetryParams(LabParams):
    source = serializers.ChoiceField(choices=["synthetic", "series", "stream"], default="synthetic",  # type: ignore[assignment]  # field named like a Field attribute (stub)
                                     help_text="synthetic machine telemetry, your own series, or a signals stream.")
    series = serializers.ListField(child=FiniteFloatField(), required=False, max_length=MAX_SERIES,
                                   help_text="The values, oldest first (source 'series').",
                                   style={"example": "[20.1, 20.4, 21.0, 20.8]"})
    stream_id = BoundedIntegerField(required=False, min_value=1, help_text="Your stream (source 'stream').")
    length = BoundedIntegerField(min_value=100, max_value=MAX_SERIES, default=3000,
                                 help_text="Points used: the synthetic length or the stream's latest points.")
    window = BoundedIntegerField(min_value=2, max_value=256, default=24, help_text="Points to forecast.")
    context = BoundedIntegerField(min_value=2, max_value=512, default=48, help_text="Points conditioned on.")  # type: ignore[assignment]  # field named like a Field attribute (stub)
    period = BoundedIntegerField(min_value=1, max_value=10_000, default=24,
                                 help_text="Season of the seasonal-naive baseline (at most context).")
    samples = BoundedIntegerField(min_value=10, max_value=1000, default=200, help_text="Forecast draws.")
    steps = BoundedIntegerField(min_value=1, max_value=20_000, default=1500, help_text="Optimiser steps.")
    batch = BoundedIntegerField(min_value=1, max_value=1024, default=256)
    diffusion_steps = BoundedIntegerField(min_value=2, max_value=200, default=50, help_text="Noise levels.")
    hidden = BoundedIntegerField(min_value=8, max_value=512, default=128)
    depth = BoundedIntegerField(min_value=1, max_value=8, default=3)
    seed = BoundedIntegerField(min_value=0, max_value=2**31 - 1, default=0)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        if attrs["period"] > attrs["context"]:
            errors["period"] = ["Must not exceed context."]
        needed = attrs["context"] + 2 * attrs["window"]
        if attrs["source"] == "series":
            values = attrs.get("series") or []
            if len(values) < needed:
                errors["series"] = [f"Needs at least context + 2 x window = {needed} values."]
            elif not all(math.isfinite(v) for v in values):
                errors["series"] = ["Values must be finite numbers."]
        elif attrs["source"] == "stream":
            errors.update(self._stream_errors(attrs, needed))
        elif attrs["length"] < needed:
            errors["length"] = [f"Needs at least context + 2 x window = {needed} points."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _stream_errors(self, attrs: dict[str, Any], needed: int) -> dict[str, list[str]]:
        unknown = {"stream_id": ["No stream of yours has this id."]}
        stream_id = attrs.get("stream_id")
        if stream_id is None:
            return unknown
        try:
            # `context` is the serializer's context here: DRF moved the declared field of that name off the class.
            tenant = Tenant.objects.get(pk=self.context.get("tenant_id"))  # type: ignore[attr-defined]
            stream = stream_get(tenant=tenant, stream_id=stream_id)
        except (Tenant.DoesNotExist, Stream.DoesNotExist):
            return unknown
        if min(stream.point_count, attrs["length"]) < needed:
            return {"stream_id": [f"The stream needs at least context + 2 x window = {needed} points."]}
        return {}


def forecast_config(params: dict[str, Any]) -> gen.ForecastConfig:
    return gen.ForecastConfig(window=params["window"], context=params["context"],
                              diffusion_steps=params["diffusion_steps"], hidden=params["hidden"],
                              depth=params["depth"], steps=params["steps"], batch=params["batch"])


def denoiser_macs(config: gen.ForecastConfig) -> float:
    """Multiply-adds of one denoiser evaluation of one window."""
    h = config.hidden
    return float((config.window + config.context + config.embedding) * h + config.depth * 2 * h * h
                 + h * config.window)


def load_series(params: dict[str, Any], tenant_id: int) -> np.ndarray:
    if params["source"] == "series":
        return np.asarray(params["series"], dtype=np.float64)
    if params["source"] == "stream":
        points = point_list(tenant=Tenant.objects.get(pk=tenant_id), stream_id=params["stream_id"])
        latest = points.order_by("-ts").values_list("value", flat=True)[: params["length"]]
        return np.asarray(list(latest)[::-1], dtype=np.float64)
    generator = torch.Generator().manual_seed(params["seed"])
    return gen.synthetic_telemetry(params["length"], generator).numpy()


class TelemetryForecast(JobKindSpec):
    name = JobKind.TELEMETRY_FORECAST.value
    label = "Telemetry forecast"
    description = ("A denoising diffusion model learns your signal and draws probabilistic forecasts of its next "
                   "window, scored on the last window against a seasonal-naive baseline.")
    serializer = TelemetryParams
    max_work = MAX_TRAINING_WORK
    # CRPS, energy score and errors are in the series' own units, which the lab does not know.
    metric_units: ClassVar[dict[str, str]] = {"seconds": "s", "points": "points", "training_pairs": "pairs"}

    def _work(self, params: dict[str, Any]) -> float:
        config = forecast_config(params)
        macs = denoiser_macs(config)
        fit = network_work(macs, config.steps * config.batch, training=True)
        sampling = network_work(macs, 2 * params["samples"] * config.diffusion_steps, training=False)
        return fit + sampling

    def plan(self, params: dict[str, Any], *, tenant_id: int | None = None) -> Estimate:
        work = self._work(params)
        self.check_limits(work, field="steps")
        return Estimate(work, "ddpm", params["steps"], {"reason": f"{params['samples']} samples of "
                                                                  f"{params['window']} points"})

    def run(self, params: dict[str, Any], *, device: torch.device, hooks: Hooks, tenant_id: int) -> Outcome:
        series = load_series(params, tenant_id)
        config, window, context = forecast_config(params), params["window"], params["context"]
        fit_part = torch.from_numpy(series[:-window])
        contexts, targets = gen.windows_from_series(fit_part, context, window)
        generator = torch.Generator().manual_seed(params["seed"])
        started = time.perf_counter()
        result = gen.train_forecaster(contexts, targets, config, generator, device=device,
                                      progress=lambda f: hooks.progress(TRAIN_SHARE * f),
                                      should_stop=hooks.should_cancel)
        seen = torch.from_numpy(series[-window - context:-window]).unsqueeze(0)
        holdout = self._sample(result.model, seen, params, generator, hooks, 0.9)[0].cpu()
        future = self._sample(result.model, torch.from_numpy(series[-context:]).unsqueeze(0), params, generator,
                              hooks, 1.0)[0].cpu()
        baseline = gen.seasonal_naive_samples(gen.fit_seasonal_naive(contexts, targets, params["period"]), seen,
                                              params["samples"], generator)[0]
        truth = torch.from_numpy(series[-window:])
        metrics = _scores(holdout, baseline, truth)
        losses = np.asarray(result.losses)
        metrics.update({"seconds": time.perf_counter() - started, "points": len(series),
                        "training_pairs": len(contexts),
                        "first_loss": float(losses[0]), "final_loss": float(losses[-1])})
        arrays = {"series": series, "holdout_samples": holdout.numpy(), "future_samples": future.numpy(),
                  "baseline_samples": baseline.numpy(), "losses": losses,
                  **{f"holdout_{k}": v for k, v in _quantiles(holdout).items()},
                  **{f"future_{k}": v for k, v in _quantiles(future).items()}}
        return Outcome(arrays=arrays, metrics=metrics, work=self._work(params),
                       files=_pictures(series, window, context, holdout, future, losses))

    @staticmethod
    def _sample(model: Any, contexts: torch.Tensor, params: dict[str, Any], generator: torch.Generator,
                hooks: Hooks, done: float) -> torch.Tensor:
        if hooks.should_cancel():
            raise JobStopped()
        samples = gen.forecast(model, contexts, params["samples"], generator)
        hooks.progress(done)
        return samples


def _quantiles(samples: torch.Tensor) -> dict[str, np.ndarray]:
    levels = torch.tensor(list(QUANTILES.values()), dtype=samples.dtype)
    q = torch.quantile(samples, levels, dim=0).numpy()
    return {name: q[i] for i, name in enumerate(QUANTILES)}


def _scores(samples: torch.Tensor, baseline: torch.Tensor, truth: torch.Tensor) -> dict[str, Any]:
    model_crps = float(gen.crps(samples.unsqueeze(0), truth.unsqueeze(0)).mean())
    base_crps = float(gen.crps(baseline.unsqueeze(0), truth.unsqueeze(0)).mean())
    low, high = gen.interval(samples, 0.8)
    return {"crps": model_crps, "crps_seasonal_naive": base_crps,
            "crps_skill": 1 - model_crps / base_crps if base_crps else None,
            "coverage_80": float(gen.coverage(low, high, truth)),
            "energy_score": float(gen.energy_score(samples.unsqueeze(0), truth.unsqueeze(0))),
            "median_abs_error": float((samples.median(dim=0).values - truth).abs().mean())}


def _pictures(series: np.ndarray, window: int, context: int, holdout: torch.Tensor, future: torch.Tensor,
              losses: np.ndarray) -> list[File]:
    shown = min(len(series) - window, 4 * context)
    return [
        File("holdout_forecast.png", plots.fan_chart(series[-window - shown:-window], _quantiles(holdout),
                                                     series[-window:], "Forecast of the held-out last window"),
             "image/png"),
        File("future_forecast.png", plots.fan_chart(series[-shown:], _quantiles(future), None,
                                                    "Forecast of the next window"), "image/png"),
        File("training_loss.png", plots.curves(np.arange(1, len(losses) + 1), {"denoising loss": losses},
                                               xlabel="optimiser step", ylabel="loss", title="Training",
                                               log_y=True), "image/png"),
    ]
