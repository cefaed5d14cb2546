"""The graph kind: a disturbance injected at one asset spreads along the asset graph (graph heat equation)."""
from __future__ import annotations

import math
import time
from typing import Any, ClassVar

import numpy as np
import torch
from rest_framework import serializers

from apps.core.serializers import BoundedIntegerField, FiniteFloatField
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

MAX_EDGES = 50_000
MAX_NODES = 10_000
MAX_NAME = 128  # room for an asset key (at most 120 characters) as a node name
HEATMAP_ROWS = 60  # rows of the node heat map: more are unreadable at any sensible image height
TOP_NODES = 20


class EdgeField(serializers.Field):
    """`[a, b]` or `[a, b, weight]`: asset names (strings or integers) and a non-negative coupling weight."""

    default_error_messages = {
        "shape": "An edge is [from, to] or [from, to, weight].",
        "name": f"Node names are strings (at most {MAX_NAME} characters) or integers.",
        "weight": "The weight is a finite number >= 0.",
    }

    def to_internal_value(self, data: Any) -> list[Any]:
        if not isinstance(data, (list, tuple)) or len(data) not in (2, 3):
            self.fail("shape")
        names = [_node_name(v) for v in data[:2]]
        if None in names:
            self.fail("name")
        weight = data[2] if len(data) == 3 else 1.0
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) \
                or weight < 0:
            self.fail("weight")
        return [names[0], names[1], float(weight)]

    def to_representation(self, value: Any) -> Any:
        return value


def _node_name(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    name = str(value)
    return name if 0 < len(name) <= MAX_NAME else None


class GraphParams(LimitedParams):
    edges = serializers.ListField(child=EdgeField(), min_length=1, max_length=MAX_EDGES,
                                  help_text="Undirected couplings between assets: [from, to] or [from, to, weight].",
                                  style={"example": '[["pump-1", "tank-A"], ["tank-A", "valve-3", 2.0]]'})
    source = serializers.CharField(max_length=MAX_NAME, help_text="The asset where the disturbance starts.",  # type: ignore[assignment]  # field named like a Field attribute (stub)
                                   style={"example": "pump-1"})
    amount = FiniteFloatField(min_value=1e-9, max_value=1e12, default=1.0, help_text="Heat injected.")
    rate = FiniteFloatField(min_value=1e-9, max_value=1e3, default=1.0, help_text="Spreading rate (1/time).")
    t_end = FiniteFloatField(min_value=1e-6, max_value=1e6, default=10.0, help_text="Simulated time.")
    snapshots = BoundedIntegerField(min_value=2, max_value=64, default=11,
                                    help_text="Frames kept, evenly spaced from t = 0 to t_end.")
    threshold = FiniteFloatField(min_value=1e-9, max_value=1.0, default=0.01,
                                 help_text="A node is reached when it holds this fraction of the amount.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        nodes = node_index(attrs["edges"])
        if len(nodes) > MAX_NODES:
            raise serializers.ValidationError({"edges": [f"At most {MAX_NODES:,} distinct nodes; got {len(nodes):,}."]})
        if attrs["source"] not in nodes:
            raise serializers.ValidationError({"source": ["Must be one of the nodes named in edges."]})
        return attrs


def node_index(edges: list[list[Any]]) -> dict[str, int]:
    """Node name -> index, in order of first appearance in the edge list."""
    index: dict[str, int] = {}
    for a, b, _ in edges:
        index.setdefault(a, len(index))
        index.setdefault(b, len(index))
    return index


class GraphCascade(JobKindSpec):
    name = "graph_cascade"
    label = "Graph cascade"
    description = "A disturbance at one asset spreads through the asset graph; total heat is conserved."
    serializer = GraphParams
    metric_units: ClassVar[dict[str, str]] = {
        "steps": "steps", "cell_updates": "node updates", "cell_updates_per_s": "node updates/s", "seconds": "s",
        "nodes": "assets", "edges": "links", "reached": "assets",
        "entropy_initial": "nats", "entropy_final": "nats", "entropy_max": "nats",
    }

    def _problem(self, params: dict[str, Any], device: torch.device | str = "cpu") -> tuple[Any, dict[str, int]]:
        nodes = node_index(params["edges"])
        edges = params["edges"]
        src = torch.tensor([nodes[a] for a, _, _ in edges], dtype=torch.int64)
        dst = torch.tensor([nodes[b] for _, b, _ in edges], dtype=torch.int64)
        weight = torch.tensor([w for _, _, w in edges], dtype=DTYPE)
        lap = pde.graph_laplacian(len(nodes), src, dst, weight, device=device, dtype=DTYPE)
        return pde.GraphHeatConfig(lap, rate=float(params["rate"])), nodes

    def _work(self, method: str, dt: float | None, params: dict[str, Any], steps: int) -> float:
        n, e = len(node_index(params["edges"])), len(params["edges"])
        if dt is None:  # dense eigendecomposition once, then one matrix-vector product per snapshot
            return float(n) ** 3 + params["snapshots"] * float(n) ** 2
        return stepping_work(method, n + 2 * e, steps, params["snapshots"])

    def plan(self, params: dict[str, Any], *, tenant_id: int | None = None) -> Estimate:
        problem, nodes = self._problem(params)
        if problem.graph.max_degree == 0:
            raise invalid_params({"params.edges": ["The graph has no coupling: every edge is a self-loop or "
                                                   "has weight 0."]})
        try:
            chosen = pde.plan(problem, pde.Stepping(method=params["method"], dt=params["dt"]))
        except pde.StabilityError as exc:
            raise invalid_params({"params.dt": [str(exc)]}) from exc
        except ValueError as exc:
            raise invalid_params({"params.method": [str(exc)]}) from exc
        steps = planned_steps(float(params["t_end"]), chosen.dt, params["snapshots"])
        work = self._work(chosen.method, chosen.dt, params, steps)
        self.check_limits(work, steps, chosen.dt)
        return Estimate(work, chosen.method, steps, {"dt": chosen.dt, "stability_limit": chosen.limit,
                                                     "reason": chosen.reason, "nodes": len(nodes)})

    def run(self, params: dict[str, Any], *, device: torch.device, hooks: Hooks, tenant_id: int) -> Outcome:
        problem, nodes = self._problem(params, device)
        stepping = pde.Stepping(method=params["method"], dt=params["dt"])
        chosen = pde.plan(problem, stepping)
        heat0 = torch.zeros(len(nodes), dtype=DTYPE, device=device)
        heat0[nodes[params["source"]]] = float(params["amount"])
        times = snapshot_times(params)
        started = time.perf_counter()
        snaps = [(s.field.to("cpu"), s.steps) for s in pde.simulate(
            problem, heat0, times, stepping=stepping, progress=hooks.progress, should_cancel=hooks.should_cancel)]
        seconds = time.perf_counter() - started
        heat = torch.stack([s[0] for s in snaps])
        t = torch.tensor(times, dtype=torch.float64)
        diag = pde.diagnostics_series(t, heat, 1.0, spatial_dims=1)
        names = list(nodes)
        arrival = _arrival(t.numpy(), heat.numpy(), params["threshold"] * float(params["amount"]))
        work = self._work(chosen.method, chosen.dt, params, snaps[-1][1])
        arrays = {"times": t.numpy(), "heat": heat.numpy(), "nodes": np.array(names), "arrival": arrival,
                  "energy": to_numpy(diag.energy), "entropy": to_numpy(diag.entropy),
                  "entropy_production": to_numpy(diag.entropy_production)}
        metrics = {"method": chosen.method, "dt": chosen.dt, "steps": snaps[-1][1], "cell_updates": work,
                   "seconds": seconds, "cell_updates_per_s": work / seconds if seconds > 0 else None,
                   "nodes": len(names), "edges": len(params["edges"]),
                   **_cascade_metrics(arrays, names)}
        return Outcome(arrays=arrays, metrics=metrics, work=work, files=self._pictures(arrays, names))

    def _pictures(self, arrays: dict[str, np.ndarray], names: list[str]) -> list[File]:
        order = by_arrival(arrays["arrival"], arrays["heat"][-1])[:HEATMAP_ROWS]
        times = arrays["times"]
        return [
            File("node_heat.png", plots.node_heat(times, arrays["heat"][:, order], [names[i] for i in order],
                                                  "Heat per asset (first reached at the top)"), "image/png"),
            File("energy_entropy.png", plots.energy_entropy(times, arrays["energy"], arrays["entropy"],
                                                            arrays["entropy_production"], ("graph",)), "image/png"),
        ]


def _arrival(times: np.ndarray, heat: np.ndarray, level: float) -> np.ndarray:
    """First snapshot time at which each node holds `level`; NaN where it never does."""
    reached = heat >= level
    first = reached.argmax(axis=0)
    return np.where(reached.any(axis=0), times[first], np.nan)


def by_arrival(arrival: np.ndarray, final: np.ndarray) -> list[int]:
    """Node indices, reached ones by arrival time, then the rest by final heat (largest first)."""
    key = np.where(np.isnan(arrival), np.inf, arrival)
    return [int(i) for i in np.lexsort((-final, key))]


def _cascade_metrics(arrays: dict[str, np.ndarray], names: list[str]) -> dict[str, Any]:
    energy, final, arrival = arrays["energy"], arrays["heat"][-1], arrays["arrival"]
    start = float(energy[0])
    order = by_arrival(arrival, final)
    return {
        "energy_initial": start, "energy_final": float(energy[-1]),
        "energy_drift": abs(float(energy[-1]) - start) / abs(start) if start else 0.0,
        "entropy_initial": float(arrays["entropy"][0]), "entropy_final": float(arrays["entropy"][-1]),
        "entropy_max": math.log(len(names)),
        "reached": int(np.count_nonzero(~np.isnan(arrival))),
        "first_reached": [{"node": names[i], "arrival": float(arrival[i]), "heat_final": float(final[i])}
                          for i in order[:TOP_NODES] if not np.isnan(arrival[i])],
        "hottest_final": [{"node": names[i], "heat_final": float(final[i])}
                          for i in np.argsort(-final, kind="stable")[:TOP_NODES].tolist()],
    }
