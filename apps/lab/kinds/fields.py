"""Grid kinds: how energy (or a disturbance) spreads through a 2D field, and Gray-Scott patterns."""
from __future__ import annotations

import math
import time
from typing import Any, ClassVar

import numpy as np
import torch
from rest_framework import serializers

from apps.core.serializers import BoundedIntegerField, FiniteFloatField, StrictInputSerializer
from apps.lab import plots
from apps.lab.kinds.base import (
    DTYPE,
    File,
    Hooks,
    JobKindSpec,
    LimitedParams,
    Outcome,
    invalid_params,
    snapshot_times,
    to_numpy,
)
from apps.lab.pricing import Estimate, planned_steps, stepping_work
from kernels import pde

MAX_GRID = 512
MAX_SOURCES = 16


class GridParams(LimitedParams):
    nx = BoundedIntegerField(min_value=8, max_value=MAX_GRID, default=128, help_text="Cells in x.")
    ny = BoundedIntegerField(min_value=8, max_value=MAX_GRID, default=128, help_text="Cells in y.")
    spacing = FiniteFloatField(min_value=1e-3, max_value=1e3, default=1.0,
                               help_text="Cell size (length units), both directions.")
    boundary = serializers.ChoiceField(choices=["periodic", "neumann"], default="periodic",
                                       help_text="periodic wraps around; neumann is no-flux walls.")


class SourceParams(StrictInputSerializer):
    x = FiniteFloatField(min_value=0.0, help_text="Centre, length units from the left edge.")
    y = FiniteFloatField(min_value=0.0, help_text="Centre, length units from the bottom edge.")
    sigma = FiniteFloatField(min_value=0.1, max_value=1e5, default=4.0, help_text="Gaussian width.")
    amount = FiniteFloatField(min_value=1e-9, max_value=1e12, default=1.0, help_text="Energy injected.")


class DiffusionParams(GridParams):
    t_end = FiniteFloatField(min_value=1e-6, max_value=1e7, default=50.0, help_text="Simulated time.")
    diffusivity = FiniteFloatField(min_value=0.0, max_value=1e3, default=1.0,
                                   help_text="D in length^2 / time.")
    sources = SourceParams(many=True, required=False, max_length=MAX_SOURCES,  # type: ignore[call-arg]  # many=True builds a ListSerializer, which takes these (stub)
                           help_text="Gaussian bumps of energy at t = 0; default: one at the centre.",
                           style={"example": '[{"x": 40, "y": 64, "sigma": 4, "amount": 1.0}]'})

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        ly, lx = attrs["ny"] * attrs["spacing"], attrs["nx"] * attrs["spacing"]
        sources = attrs.get("sources") or [{"x": lx / 2, "y": ly / 2, "sigma": max(lx, ly) / 32, "amount": 1.0}]
        outside = {str(i): {axis: [f"Must lie inside the domain, 0 to {extent:g}."]
                            for axis, extent in (("x", lx), ("y", ly)) if s[axis] > extent}
                   for i, s in enumerate(sources)}
        if any(outside.values()):
            raise serializers.ValidationError({"sources": {k: v for k, v in outside.items() if v}})
        return {**attrs, "sources": sources}


class AdvectionDiffusionParams(DiffusionParams):
    velocity_x = FiniteFloatField(min_value=-100.0, max_value=100.0, default=0.5,
                                  help_text="Drift in x (length / time).")
    velocity_y = FiniteFloatField(min_value=-100.0, max_value=100.0, default=0.0,
                                  help_text="Drift in y (length / time).")


class GrayScottParams(GridParams):
    t_end = FiniteFloatField(min_value=1e-6, max_value=1e6, default=2000.0, help_text="Simulated time.")
    diffusivity_u = FiniteFloatField(min_value=0.0, max_value=10.0, default=0.16)
    diffusivity_v = FiniteFloatField(min_value=0.0, max_value=10.0, default=0.08)
    feed = FiniteFloatField(min_value=0.0, max_value=0.2, default=0.060)
    kill = FiniteFloatField(min_value=0.0, max_value=0.2, default=0.062)
    seed = BoundedIntegerField(min_value=0, max_value=2**31 - 1, default=0, help_text="Noise seed.")
    noise = FiniteFloatField(min_value=0.0, max_value=0.5, default=0.01)
    patch = BoundedIntegerField(min_value=1, max_value=MAX_GRID, default=20,
                                help_text="Side of the seeded square (cells).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["patch"] > min(attrs["nx"], attrs["ny"]):
            raise serializers.ValidationError({"patch": ["Must not exceed the grid (min of nx and ny)."]})
        return attrs


class GridKind(JobKindSpec):
    """Shared planning and running of the grid problems; subclasses build the config and the initial state."""

    components: ClassVar[int] = 1
    channel_labels: ClassVar[tuple[str, ...]] = ("field",)
    # Entropies are natural logarithms (nats); time steps and energies are in the problem's own units.
    metric_units: ClassVar[dict[str, str]] = {
        "steps": "steps", "cell_updates": "cell updates", "cell_updates_per_s": "cell updates/s", "seconds": "s",
        "entropy_initial": "nats", "entropy_final": "nats", "entropy_max": "nats",
        "entropy_production_min": "nats per unit time", "entropy_production_max": "nats per unit time",
    }

    def grid(self, params: dict[str, Any]) -> pde.Grid2D:
        h = float(params["spacing"])
        return pde.Grid2D((params["ny"], params["nx"]), spacing=(h, h), boundary=params["boundary"])

    def problem(self, params: dict[str, Any]) -> Any:
        raise NotImplementedError

    def initial(self, params: dict[str, Any], problem: Any, device: torch.device) -> torch.Tensor:
        raise NotImplementedError

    def stepping(self, params: dict[str, Any]) -> pde.Stepping:
        return pde.Stepping(method=params["method"], dt=params["dt"])

    def plan(self, params: dict[str, Any], *, tenant_id: int | None = None) -> Estimate:
        problem = self.problem(params)
        try:
            chosen = pde.plan(problem, self.stepping(params))
        except pde.StabilityError as exc:
            raise invalid_params({"params.dt": [str(exc)]}) from exc
        except ValueError as exc:
            raise invalid_params({"params.method": [str(exc)]}) from exc
        steps = planned_steps(float(params["t_end"]), chosen.dt, params["snapshots"])
        work = stepping_work(self._work_method(chosen.method, chosen.dt), self._size(params), steps,
                             params["snapshots"])
        self.check_limits(work, steps, chosen.dt)
        return Estimate(work, chosen.method, steps, {"dt": chosen.dt, "stability_limit": chosen.limit,
                                                     "reason": chosen.reason})

    def _size(self, params: dict[str, Any]) -> int:
        return params["nx"] * params["ny"] * self.components

    @staticmethod
    def _work_method(method: str, dt: float | None) -> str:
        return "spectral_exact" if dt is None else method

    def run(self, params: dict[str, Any], *, device: torch.device, hooks: Hooks, tenant_id: int) -> Outcome:
        problem = self.problem(params)
        chosen = pde.plan(problem, self.stepping(params))
        initial = self.initial(params, problem, device)
        times = snapshot_times(params)
        started = time.perf_counter()
        snaps = [(s.field.to("cpu"), s.steps, s.method, s.compiled) for s in pde.simulate(
            problem, initial, times, stepping=self.stepping(params), progress=hooks.progress,
            should_cancel=hooks.should_cancel)]
        seconds = time.perf_counter() - started
        fields = torch.stack([s[0] for s in snaps])
        t = torch.tensor(times, dtype=torch.float64)
        diag = pde.diagnostics_series(t, fields, problem.grid.cell_area)
        steps, method = snaps[-1][1], snaps[-1][2]
        work = stepping_work(self._work_method(method, chosen.dt), self._size(params), steps, params["snapshots"])
        arrays = {"times": t.numpy(), "fields": to_numpy(fields), "energy": to_numpy(diag.energy),
                  "entropy": to_numpy(diag.entropy), "entropy_production": to_numpy(diag.entropy_production)}
        metrics = {"method": method, "dt": chosen.dt, "steps": steps, "cell_updates": work, "seconds": seconds,
                   "cell_updates_per_s": work / seconds if seconds > 0 else None,
                   "compiled": any(s[3] for s in snaps), **self.field_metrics(arrays)}
        return Outcome(arrays=arrays, metrics=metrics, work=work, files=self.pictures(arrays))

    def display(self, arrays: dict[str, np.ndarray]) -> np.ndarray:
        """The (m, ny, nx) frames drawn in the pictures."""
        return arrays["fields"]

    def field_metrics(self, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
        energy, entropy, production = arrays["energy"], arrays["entropy"], arrays["entropy_production"]
        start = float(energy[0])
        frames = arrays["fields"]
        return {
            "energy_initial": start, "energy_final": float(energy[-1]),
            "energy_drift": abs(float(energy[-1]) - start) / abs(start) if start else 0.0,
            "entropy_initial": float(entropy[0]), "entropy_final": float(entropy[-1]),
            "entropy_max": math.log(frames[0].size),
            "entropy_production_min": float(production.min()), "entropy_production_max": float(production.max()),
            "peak_initial": float(frames[0].max()), "peak_final": float(frames[-1].max()),
        }

    def pictures(self, arrays: dict[str, np.ndarray]) -> list[File]:
        frames, times = self.display(arrays), arrays["times"]
        return [
            File("field_snapshots.png", plots.field_panels(frames, times, self.label), "image/png"),
            File("field_final.png", plots.field_image(frames[-1], f"{self.label}, t = {times[-1]:.4g}"),
                 "image/png"),
            File("energy_entropy.png", plots.energy_entropy(times, arrays["energy"], arrays["entropy"],
                                                            arrays["entropy_production"], self.channel_labels),
                 "image/png"),
        ]


def _gaussian_sources(params: dict[str, Any], grid: pde.Grid2D, diffusivity: float,
                      device: torch.device) -> torch.Tensor:
    field = torch.zeros(grid.shape, dtype=DTYPE)
    for s in params["sources"]:
        field += pde.gaussian_heat_kernel(grid, 0.0, centre=(s["y"], s["x"]), sigma0=s["sigma"],
                                          diffusivity=diffusivity, mass=s["amount"], dtype=DTYPE)
    return field.to(device)


class Diffusion2D(GridKind):
    name = "diffusion2d"
    label = "Diffusion"
    description = "Energy injected at points spreads through a 2D field (heat equation); energy is conserved."
    serializer = DiffusionParams

    def problem(self, params: dict[str, Any]) -> pde.DiffusionConfig | pde.AdvectionDiffusionConfig:
        return pde.DiffusionConfig(self.grid(params), float(params["diffusivity"]))

    def initial(self, params: dict[str, Any], problem: Any, device: torch.device) -> torch.Tensor:
        return _gaussian_sources(params, problem.grid, problem.diffusivity, device)


class AdvectionDiffusion(Diffusion2D):
    name = "advection_diffusion"
    label = "Advection-diffusion"
    description = "A disturbance drifts with a constant velocity while it spreads; energy is conserved."
    serializer = AdvectionDiffusionParams

    def problem(self, params: dict[str, Any]) -> pde.AdvectionDiffusionConfig:
        return pde.AdvectionDiffusionConfig(self.grid(params), float(params["diffusivity"]),
                                            (float(params["velocity_y"]), float(params["velocity_x"])))


class GrayScott(GridKind):
    name = "gray_scott"
    label = "Gray-Scott"
    description = "Reaction-diffusion of two species growing patterns from a seeded square."
    serializer = GrayScottParams
    components = 2
    channel_labels = ("u", "v")

    def problem(self, params: dict[str, Any]) -> pde.GrayScottConfig:
        return pde.GrayScottConfig(self.grid(params), params["diffusivity_u"], params["diffusivity_v"],
                                   params["feed"], params["kill"])

    def initial(self, params: dict[str, Any], problem: Any, device: torch.device) -> torch.Tensor:
        generator = torch.Generator().manual_seed(params["seed"])
        return pde.gray_scott_seed(problem.grid, generator=generator, noise=params["noise"], patch=params["patch"],
                                   device=device, dtype=DTYPE)

    def display(self, arrays: dict[str, np.ndarray]) -> np.ndarray:
        return arrays["fields"][:, 1]

    def field_metrics(self, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
        v = arrays["fields"][-1, 1]
        energy, entropy = arrays["energy"], arrays["entropy"]
        return {"u_total_final": float(energy[-1, 0]), "v_total_final": float(energy[-1, 1]),
                "v_entropy_final": float(entropy[-1, 1]), "v_variance_final": float(v.var()),
                "pattern_fraction": float((v > 0.1).mean()), "u_min": float(arrays["fields"][:, 0].min()),
                "u_max": float(arrays["fields"][:, 0].max())}
