"""What every job kind provides: a parameter schema (a DRF serializer), an estimate and a run.

A kind's `run` is computation over the kernels: it takes validated parameters, a device and the hooks
(progress, cancellation) and returns arrays, metrics and rendered files; the services around it own the job
row, the ledger and the storage. Kinds that read the tenant's own inputs (a trained model, a stream) get its
`tenant_id` and read through selectors and the lab storage.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import torch
from rest_framework import serializers

from apps.core.errors import ApplicationError
from apps.core.serializers import BoundedIntegerField, FiniteFloatField, StrictInputSerializer
from apps.lab.errors import LabErrorCode
from apps.lab.pricing import MAX_STEPS, MAX_WORK, Estimate

DTYPE = torch.float64  # conservation is checked at 1e-14; float32 rounding would swamp it


@dataclass(frozen=True)
class Hooks:
    """`progress(fraction)` with 0..1 of the computation done; `should_cancel()` True stops the run."""

    progress: Callable[[float], None]
    should_cancel: Callable[[], bool]


class JobStopped(Exception):
    """Raised by a kind's own loop when `should_cancel()` said so (kernels raise their own equivalents)."""


@dataclass(frozen=True)
class File:
    name: str
    content: bytes
    content_type: str


@dataclass
class Outcome:
    """A finished computation: `arrays` go into one .npz, `files` (PNGs, models) are stored as they are,
    `metrics` into metrics.json and the job row; `work` prices the charge."""

    arrays: dict[str, np.ndarray]
    metrics: dict[str, Any]
    work: float
    files: list[File] = field(default_factory=list)


class JobKindSpec:
    """Base of the kinds. Subclasses set `name`, `label`, `serializer` and implement `plan` and `run`."""

    name: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str] = ""
    serializer: ClassVar[type[serializers.Serializer]]
    max_work: ClassVar[float] = MAX_WORK
    # The unit of each metric `run` reports, shown after its number on the job page; dimensionless ones are absent.
    metric_units: ClassVar[dict[str, str]] = {}

    def available(self) -> bool:
        return True

    def validate(self, params: Any, *, tenant_id: int | None = None) -> dict[str, Any]:
        """Parameters with defaults filled in, or a 400 naming each bad field as `params.<path>`. `tenant_id`
        lets a kind check references to the tenant's own rows (a trained model)."""
        data = self.serializer(data=params if params is not None else {}, context={"tenant_id": tenant_id})
        if not data.is_valid():
            raise invalid_params(flatten_errors(data.errors, "params"))
        return jsonable(data.validated_data)

    def plan(self, params: dict[str, Any], *, tenant_id: int | None = None) -> Estimate:
        raise NotImplementedError

    def run(self, params: dict[str, Any], *, device: torch.device, hooks: Hooks, tenant_id: int) -> Outcome:
        raise NotImplementedError

    def check_limits(self, work: float, steps: int = 0, dt: float | None = None, field: str = "t_end") -> None:
        """Refuses runs beyond the step cap or this kind's work cap, naming the parameter to change."""
        if steps > MAX_STEPS:
            raise _too_much(field, f"This run needs {steps:,} steps at dt={dt:.4g}, above the limit of "
                                   f"{MAX_STEPS:,}. Shorten t_end, coarsen the grid, or use method 'implicit' "
                                   "with a larger dt.")
        if work > self.max_work:
            raise _too_much(field, f"This run needs {work:.3g} cell updates, above the limit of "
                                   f"{self.max_work:.0e}. Make the run shorter or smaller.")

    def schema(self) -> dict[str, Any]:
        """Field names, types, limits and defaults for the portal's forms and the kinds API."""
        return {name: _describe(f) for name, f in self.serializer().fields.items()}


def _too_much(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, code=LabErrorCode.TOO_MUCH_WORK, extra={"fields": {f"params.{field}": [message]}})


def invalid_params(fields: dict[str, list[str]], message: str = "The job parameters are invalid.") -> ApplicationError:
    return ApplicationError(message, code=LabErrorCode.INVALID_PARAMS, extra={"fields": fields})


def flatten_errors(errors: Any, prefix: str) -> dict[str, list[str]]:
    """DRF's nested error structure as `{"params.sources.0.x": [...]}`, so clients can point at the field."""
    out: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = prefix if key == "non_field_errors" else f"{prefix}.{key}"
            for k, v in flatten_errors(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(errors, list) and errors and all(isinstance(e, (str, serializers.ErrorDetail)) for e in errors):
        out[prefix] = [str(e) for e in errors]
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            if value:
                out.update(flatten_errors(value, f"{prefix}.{index}"))
    elif errors:
        out[prefix] = [str(errors)]
    return out


def jsonable(value: Any) -> Any:
    """Validated data (OrderedDicts, tuples) as plain JSON values, as they will be stored."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def _type_name(f: serializers.Field) -> str:
    if isinstance(f, (serializers.ListField, serializers.ListSerializer)):
        return "list"
    if isinstance(f, serializers.ChoiceField):
        return "choice"
    if isinstance(f, BoundedIntegerField):
        return "integer"
    if isinstance(f, FiniteFloatField):
        return "number"
    return "text"


def _describe(f: serializers.Field) -> dict[str, Any]:
    out: dict[str, Any] = {"type": _type_name(f), "required": f.required, "help": str(f.help_text or "")}
    for attr in ("min_value", "max_value", "min_length", "max_length"):
        if getattr(f, attr, None) is not None:
            out[attr] = getattr(f, attr)
    if f.default is not serializers.empty:
        out["default"] = f.default() if callable(f.default) else f.default
    if isinstance(f, serializers.ChoiceField):
        out["choices"] = list(f.choices)
    if f.style.get("example"):
        out["example"] = f.style["example"]
    return out


class LabParams(StrictInputSerializer):
    """Unknown fields are reported together with the other errors, so one answer lists everything to fix.
    `trailing` fields are listed last (in forms and schemas): the run length after the physics."""

    trailing: ClassVar[tuple[str, ...]] = ()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        order = [n for n in fields if n not in self.trailing] + [n for n in self.trailing if n in fields]
        return {name: fields[name] for name in order}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            return super().to_internal_value(data)
        unknown = {name: ["Unknown field."] for name in sorted(set(data) - set(self.fields))}
        try:
            value = serializers.Serializer.to_internal_value(self, {k: v for k, v in data.items() if k in self.fields})
        except serializers.ValidationError as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
            raise serializers.ValidationError({**detail, **unknown}) from exc
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class LimitedParams(LabParams):
    """Shared run-length fields: simulated time, how many snapshots to keep and the stepping method."""

    trailing = ("t_end", "snapshots", "method", "dt")

    t_end = FiniteFloatField(min_value=1e-6, max_value=1e7, help_text="Simulated time to reach.")
    snapshots = BoundedIntegerField(min_value=2, max_value=32, default=6,
                                    help_text="Frames kept, evenly spaced from t = 0 to t_end.")
    method = serializers.ChoiceField(choices=["auto", "explicit", "implicit", "spectral"], default="auto")
    dt = FiniteFloatField(min_value=1e-9, max_value=1e6, required=False, allow_null=True, default=None,
                          help_text="Time step; empty picks 0.9 of the explicit stability limit.")


def snapshot_times(params: dict[str, Any]) -> list[float]:
    n, t_end = params["snapshots"], float(params["t_end"])
    return [t_end * i / (n - 1) for i in range(n)]


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().to("cpu").numpy()
