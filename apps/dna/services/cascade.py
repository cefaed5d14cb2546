"""The cascade view: a disturbance started at one asset, spread over the asset graph by the lab's graph heat
equation (kernels.pde), frame by frame. Two ways: `cascade_simulate` answers at once for neighbourhoods the exact
eigen propagator solves in about a second; `cascade_job_submit` runs the same spread as a lab job (gpu queue,
progress, CEU) over up to the lab's node limit, and `cascade_from_job` reads its frames back."""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import torch

from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError
from apps.dna import constructs
from apps.dna.errors import DnaErrorCode
from apps.dna.impact import neighbourhood
from apps.dna.models import Asset
from apps.lab import selectors as lab_selectors
from apps.lab import services as lab_services
from apps.lab.models import JobStatus, LabJob
from apps.lab.selectors import GRAPH_MAX_EDGES as LAB_MAX_EDGES
from apps.lab.selectors import GRAPH_MAX_NODES as LAB_MAX_NODES
from apps.lab.selectors import by_arrival
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
    _check_ranges(rate, horizon, frames, radius, MAX_FRAMES)
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


JOB_KIND = "graph_cascade"
JOB_MAX_FRAMES = 64  # the lab kind keeps at most this many snapshots
_LAB_FIELDS = {"params.rate": "rate", "params.t_end": "horizon", "params.snapshots": "frames",
               "params.edges": "asset", "params.source": "asset"}


def _check_ranges(rate: float, horizon: float, frames: int, radius: int, max_frames: int) -> None:
    bad = {name: ["Out of range."] for name, ok in (
        ("rate", 0 < rate <= 1000), ("horizon", 0 < horizon <= 1e6), ("frames", 2 <= frames <= max_frames),
        ("radius", 1 <= radius <= 12)) if not ok}
    if bad:
        raise ApplicationError(f"Need 0 < rate <= 1000, 0 < horizon <= 1e6, 2 <= frames <= {max_frames}, "
                               "1 <= radius <= 12.", code=DnaErrorCode.INVALID_CASCADE,
                               extra={"fields": bad})


def cascade_job_submit(*, actor: Actor, tenant: Tenant, asset_id: int, rate: float = 1.0, horizon: float = 5.0,
                       frames: int = 40, radius: int = 6) -> LabJob:
    """The cascade as a lab job (the graph_cascade kind on the gpu queue): for neighbourhoods past the instant
    view's size, up to the lab's node limit, priced and charged in CEU like any lab job. Node names are asset
    keys, so `cascade_from_job` can draw the frames on the asset graph."""
    _check_ranges(rate, horizon, frames, radius, JOB_MAX_FRAMES)
    uids, links, _ = neighbourhood(tenant=tenant, asset_id=asset_id, radius=radius, limit=LAB_MAX_NODES)
    keys = dict(Asset.objects.filter(tenant=tenant, pk__in=uids).values_list("pk", "key"))
    edges = [[keys[a], keys[b], float(w)] for a, b, w in links if a in keys and b in keys]
    if not edges:
        raise ApplicationError("This asset has no links: a disturbance there has nowhere to spread.",
                               code=DnaErrorCode.ISOLATED_ASSET,
                               extra={"fields": {"asset": ["Link it to other assets first."]}})
    if len(edges) > LAB_MAX_EDGES:
        message = (f"{len(edges):,} links lie within {radius} links of this asset; a cascade job takes at most "
                   f"{LAB_MAX_EDGES:,}. Lower the radius.")
        raise ApplicationError(message, code=DnaErrorCode.GRAPH_TOO_LARGE,
                               extra={"fields": {"radius": [message]}})
    params = {"edges": edges, "source": keys[int(asset_id)], "rate": rate, "t_end": horizon, "snapshots": frames}
    try:
        return lab_services.job_submit(actor=actor, tenant=tenant, kind=JOB_KIND, params=params)
    except ApplicationError as exc:
        fields = exc.extra.get("fields")
        if fields:  # name this API's parameters, not the lab's
            exc.extra["fields"] = {_LAB_FIELDS.get(name, name): messages for name, messages in fields.items()}
        raise


def cascade_from_job(*, tenant: Tenant, job_id: int) -> Cascade:
    """A finished cascade job's frames on the tenant's assets (assets deleted since the run are left out).
    Raises a 404 for another tenant's job, a 409 while the job has no result."""
    job = lab_selectors.job_get(tenant=tenant, job_id=job_id)
    if job.kind != JOB_KIND:
        raise ApplicationError("This job is not a graph cascade.", code=DnaErrorCode.NOT_A_CASCADE,
                               extra={"fields": {"job": ["Choose a graph_cascade job."]}})
    if job.status != JobStatus.SUCCEEDED:
        raise ConflictError(f"This job is {job.status}; its frames exist once it has succeeded.",
                            code=DnaErrorCode.CASCADE_NOT_READY, extra={"status": job.status,
                                                                        "progress": job.progress})
    with np.load(io.BytesIO(lab_selectors.job_arrays(tenant=tenant, job_id=job.pk))) as arrays:
        names, heat = [str(n) for n in arrays["nodes"]], np.clip(arrays["heat"], 0.0, None)
        times, arrival = arrays["times"], arrays["arrival"]
    assets = {a.key: a for a in Asset.objects.filter(tenant=tenant, key__in=names)}
    kept = [i for i, name in enumerate(names) if name in assets]
    if not kept:
        raise ApplicationError("None of this job's nodes is one of your assets.", code=DnaErrorCode.NOT_A_CASCADE,
                               extra={"fields": {"job": ["Choose a cascade started from the asset graph."]}})
    index = {names[i]: k for k, i in enumerate(kept)}
    total = float(job.params.get("amount", 1.0))
    shares = heat[:, kept] / total
    links = [{"source": index[a], "target": index[b], "weight": w} for a, b, w in job.params["edges"]
             if a in index and b in index]
    return Cascade(
        nodes=[{"id": assets[names[i]].pk, "key": names[i], "name": assets[names[i]].name,
                "kind": assets[names[i]].kind} for i in kept],
        links=links, times=[float(t) for t in times], heat=[[float(x) for x in row] for row in shares],
        coherence=[constructs.diffusion_coherence(row) for row in shares],
        arrival=[None if np.isnan(arrival[i]) else float(arrival[i]) for i in kept],
        method=str(job.metrics.get("method", "")), backend=f"lab job #{job.pk}",
        truncated=len(names) >= LAB_MAX_NODES)


def cascade_trim(cascade: Cascade, limit: int) -> Cascade:
    """The `limit` assets reached first (then the hottest at the end) and the links among them: what a picture
    can show legibly of a large cascade. Shares stay those of the whole graph."""
    if len(cascade.nodes) <= limit:
        return cascade
    arrival = np.array([np.nan if a is None else a for a in cascade.arrival])
    keep = sorted(by_arrival(arrival, np.asarray(cascade.heat[-1]))[:limit])
    index = {old: new for new, old in enumerate(keep)}
    return Cascade(
        nodes=[cascade.nodes[i] for i in keep],
        links=[{**link, "source": index[link["source"]], "target": index[link["target"]]} for link in cascade.links
               if link["source"] in index and link["target"] in index],
        times=cascade.times, heat=[[row[i] for i in keep] for row in cascade.heat], coherence=cascade.coherence,
        arrival=[cascade.arrival[i] for i in keep], method=cascade.method, backend=cascade.backend, truncated=True)
