"""The cascade view: a disturbance started at one asset, spread over the asset graph by the lab's graph heat
equation (kernels.pde), frame by frame. Synchronous: the neighbourhood is capped at a size the exact eigen
propagator solves in well under a second."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from apps.core.errors import ApplicationError
from apps.dna import constructs
from apps.dna.impact import neighbourhood
from apps.dna.models import Asset
from apps.tenants.models import Tenant
from kernels.pde import GraphHeatConfig, graph_laplacian, solve

MAX_NODES = 2000  # below Stepping.eigen_max_nodes (2048): solved exactly by one eigendecomposition (~1 s at 2000)
MAX_FRAMES = 120
ARRIVAL = 0.01  # an asset is "reached" once it holds 1 % of the disturbance


@dataclass(frozen=True)
class Cascade:
    nodes: list[dict]
    links: list[dict]
    times: list[float]
    heat: list[list[float]]  # frames x nodes
    coherence: list[float]  # diffusion coherence per frame
    arrival: list[float | None]  # first frame time each node reached ARRIVAL (None: never within the horizon)
    method: str
    backend: str
    truncated: bool


def _frames(n: int, src: list[int], dst: list[int], weights: list[float], start: int, rate: float,
            times: list[float]) -> tuple[np.ndarray, str]:
    lap = graph_laplacian(n, torch.tensor(src, dtype=torch.int64), torch.tensor(dst, dtype=torch.int64),
                          torch.tensor(weights, dtype=torch.float64))
    u0 = torch.zeros(n, dtype=torch.float64)
    u0[start] = 1.0
    solution = solve(GraphHeatConfig(lap, rate=rate), u0, times)
    return solution.fields.clamp(min=0).numpy(), solution.method


def cascade_simulate(*, tenant: Tenant, asset_id: int, rate: float = 1.0, horizon: float = 5.0, frames: int = 40,
                     radius: int = 6, max_nodes: int = MAX_NODES) -> Cascade:
    """Unit heat at `asset_id` at t = 0, diffused with conductance = link weight (direction ignored: heat flows
    both ways) at `rate` (1 / time) over the assets within `radius` links, sampled at `frames` times in
    [0, horizon]. Total heat stays 1 (the kernel conserves it to rounding)."""
    if not (0 < rate <= 1000 and 0 < horizon <= 1e6 and 2 <= frames <= MAX_FRAMES and 1 <= radius <= 12):
        raise ApplicationError("Need 0 < rate <= 1000, 0 < horizon <= 1e6, 2 <= frames <= 120, 1 <= radius <= 12.",
                               extra={"fields": {"rate": ["Out of range."], "horizon": ["Out of range."],
                                                 "frames": ["Out of range."], "radius": ["Out of range."]}})
    uids, links, backend = neighbourhood(tenant=tenant, asset_id=asset_id, radius=radius, limit=max_nodes + 1)
    truncated = len(uids) > max_nodes
    uids = uids[:max_nodes]
    index = {uid: i for i, uid in enumerate(uids)}
    links = [(a, b, w) for a, b, w in links if a in index and b in index]
    times = [horizon * k / (frames - 1) for k in range(frames)]
    heat, method = _frames(len(uids), [index[a] for a, _, _ in links], [index[b] for _, b, _ in links],
                           [w for _, _, w in links], index[int(asset_id)], rate, times)
    reached = heat >= ARRIVAL
    arrival = [times[int(np.argmax(reached[:, i]))] if reached[:, i].any() else None for i in range(len(uids))]
    assets = Asset.objects.filter(tenant=tenant, pk__in=uids).in_bulk()
    return Cascade(
        nodes=[{"id": u, "key": assets[u].key, "name": assets[u].name, "kind": assets[u].kind} for u in uids],
        links=[{"source": index[a], "target": index[b], "weight": w} for a, b, w in links],
        times=times, heat=[[float(x) for x in row] for row in heat],
        coherence=[constructs.diffusion_coherence(row) for row in heat], arrival=arrival, method=method,
        backend=backend, truncated=truncated)
