from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from apps.capsules.pricing import Quantities
from apps.capsules.proof import Conservation
from apps.tenants.models import Tenant


@dataclass(frozen=True)
class Resolved:
    """Inputs pinned to exactly what will be analysed, and the quantities that will be metered."""

    inputs: dict[str, Any]
    quantities: Quantities


@dataclass(frozen=True)
class Execution:
    result_text: str
    quantities: Quantities
    proof: dict[str, Any]
    cpu_seconds: float


@dataclass(frozen=True)
class Recheck:
    inputs_sha256: str
    outputs_sha256: str
    conservation: Conservation


class Runner(Protocol):
    kind: ClassVar[str]
    input_schema: ClassVar[dict[str, Any]]

    def resolve(self, *, tenant: Tenant, inputs: dict[str, Any]) -> Resolved: ...

    def execute(self, *, tenant_id: int, inputs: dict[str, Any]) -> Execution: ...

    def recheck(self, *, tenant_id: int, inputs: dict[str, Any], result_text: str) -> Recheck: ...
