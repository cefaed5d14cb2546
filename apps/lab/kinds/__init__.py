"""The registry of job kinds: name -> spec (parameter schema, estimate, run)."""
from __future__ import annotations

from apps.core.errors import ApplicationError
from apps.lab.errors import LabErrorCode
from apps.lab.kinds.base import File, Hooks, JobKindSpec, Outcome, flatten_errors, invalid_params
from apps.lab.kinds.fields import AdvectionDiffusion, Diffusion2D, GrayScott
from apps.lab.kinds.graph import GraphCascade
from apps.lab.kinds.nvp import NVPForecast, NVPTrain
from apps.lab.kinds.telemetry import TelemetryForecast

KINDS: dict[str, JobKindSpec] = {k.name: k for k in (Diffusion2D(), GrayScott(), AdvectionDiffusion(), GraphCascade(),
                                                     NVPTrain(), NVPForecast(), TelemetryForecast())}


def kind_get(name: str) -> JobKindSpec:
    spec = KINDS.get(name)
    if spec is None or not spec.available():
        raise ApplicationError(f"Unknown job kind {name!r}.", code=LabErrorCode.UNKNOWN_KIND,
                               extra={"fields": {"kind": [f"Choose one of: {', '.join(sorted(available()))}."]}})
    return spec


def available() -> list[str]:
    return [name for name, spec in KINDS.items() if spec.available()]


__all__ = ["KINDS", "File", "Hooks", "JobKindSpec", "Outcome", "available", "flatten_errors", "invalid_params",
           "kind_get"]
