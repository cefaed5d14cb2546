"""The Lab's CEU cost model: a job is priced by the work it does, counted in cell updates.

One cell update is one grid cell (or graph node, per component) advanced by one explicit step: the unit the
PDE engine's throughput is measured in (~2e8 to 3e9 per second on two CPU threads). Other methods are
converted into cell-update equivalents by the factors below, measured on the engine; training jobs count
network evaluations the same way. Cost in CEU minor units (thousandths of a CEU):

    cost = BASE_FEE + ceil(work / UPDATES_PER_MINOR_UNIT)

so one CEU buys a billion cell updates, plus 0.020 CEU per job for rendering and storing its artefacts. Network
training and inference count multiply-adds, MACS_PER_UPDATE of them per cell update. The
estimate is held before any work; the charge is the same formula over the work actually done (fewer steps when
the run lands early on its last snapshot), never more than the estimate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

BASE_FEE = 20  # 0.020 CEU: PNG rendering, the .npz and storage of one job's artefacts
UPDATES_PER_MINOR_UNIT = 1_000_000  # 1 CEU (1000 minor units) per 1e9 cell updates
IMPLICIT_FACTOR = 20  # an FFT-diagonalised or Krylov implicit step costs ~10-50 explicit stencil sweeps
SPECTRAL_FACTOR = 40  # an exact spectral snapshot: a forward and an inverse FFT of the whole field
MACS_PER_UPDATE = 20  # network multiply-adds per cell-update equivalent: batched convolutions run ~20x the
# multiply-adds per second that the stencil runs cell updates (measured: ~3e9 MAC/s vs ~1.5e8 updates/s)
TRAINING_PASSES = 3  # forward, backward through activations, backward through weights
MAX_WORK = 2e10  # ~10-100 s of engine time on two CPU threads; larger runs belong to a dedicated worker
MAX_TRAINING_WORK = 2e11  # a few minutes of two CPU threads; seconds on a GPU worker
MAX_STEPS = 200_000  # bounds the Python-level loop and the progress callbacks of one run


@dataclass(frozen=True)
class Estimate:
    """What a job will do and cost: `work` in cell updates, `cost` in CEU minor units."""

    work: float
    method: str
    steps: int
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def cost(self) -> int:
        return price(self.work)

    def as_dict(self) -> dict[str, Any]:
        return {"cost": self.cost, "work": self.work, "method": self.method, "steps": self.steps, **self.detail}


def price(work: float) -> int:
    """CEU minor units for `work` cell updates."""
    return BASE_FEE + math.ceil(max(0.0, work) / UPDATES_PER_MINOR_UNIT)


def stepping_work(method: str, size: float, steps: int, snapshots: int) -> float:
    """Cell updates of a run over `size` cells (components included): explicit and implicit steps are counted
    per step; the exact spectral propagator does not step and costs per snapshot."""
    if method == "explicit":
        return float(size) * steps
    if method == "spectral_exact":
        return float(size) * snapshots * SPECTRAL_FACTOR
    return float(size) * steps * IMPLICIT_FACTOR


def network_work(macs_per_sample: float, samples: float, *, training: bool) -> float:
    """Cell-update equivalents of `samples` network evaluations of `macs_per_sample` multiply-adds each."""
    return macs_per_sample * samples * (TRAINING_PASSES if training else 1) / MACS_PER_UPDATE


def planned_steps(t_end: float, dt: float | None, snapshots: int) -> int:
    """Steps to reach t_end at dt, plus one shortened landing step per snapshot (the engine's upper bound)."""
    if dt is None:
        return 0
    return math.ceil(t_end / dt - 1e-9) + snapshots
