"""Lab jobs: PDE and graph simulations and forecasters on the GPU queue, paid in CEU (apps/lab)."""
from __future__ import annotations

from apps.lab.errors import LabErrorCode as J
from apps.ledger.errors import LedgerErrorCode
from apps.ops.errors import OpsErrorCode
from thermodynasty.openapi_docs.base import T0, T1, T2, Doc, page

PARAMS = {"nx": 96, "ny": 96, "t_end": 60.0, "snapshots": 6, "boundary": "neumann", "diffusivity": 1.0,
          "sources": [{"x": 30, "y": 60, "sigma": 4, "amount": 2.0}]}
REQUEST = {"kind": "diffusion2d", "params": PARAMS, "time_limit_s": 600}
SCHEDULE = {"state": "deferred", "flexible": True, "deadline": T2, "not_before": T1, "expected_duration_s": 41.0,
            "position": None, "queue_depth": 0, "over_limit": False, "estimated_start": T1, "note": ""}
JOB = {"id": 3121, "kind": "diffusion2d", "params": PARAMS, "status": "queued", "progress": 0.0,
       "cost_estimate": 12000, "charged": 0, "attempts": 0, "max_attempts": 3, "time_limit_s": 600, "device": "",
       "error": "", "metrics": {}, "artefacts": [], "schedule": SCHEDULE, "created_at": T0, "started_at": None,
       "finished_at": None, "energy": None}
ENERGY = {"joules": 5210.4, "gpu_joules": 4630.2, "source": "nvml+model", "estimated": True, "wall_s": 41.3,
          "cpu_s": 40.1, "region": "eu-central", "gco2_per_kwh": 312.0, "carbon_source": "electricitymaps:DE",
          "co2e_grams": 0.4516, "ceu_charged": 9800, "ceu_energy": 14, "energy_share": 0.001477}
DONE = {**JOB, "schedule": {**SCHEDULE, "state": "finished"}, "energy": ENERGY,
        "status": "succeeded", "progress": 1.0, "charged": 9800, "attempts": 1, "device": "cuda:0",
        "metrics": {"mass_drift": 1.2e-06, "wall_s": 41.3}, "started_at": T0, "finished_at": T1,
        "artefacts": [{"name": "fields.npz", "content_type": "application/octet-stream", "size": 2097152,
                       "url": "/api/v1/lab/jobs/3121/artefacts/fields.npz/"}]}
WORK = {400: (J.UNKNOWN_KIND, J.INVALID_PARAMS, J.TOO_MUCH_WORK)}

DOCS: dict[str, Doc] = {
    "lab_kinds_list": Doc(
        "List job kinds",
        "Job kinds with their parameter schemas (types, limits, defaults) and whether a worker can run them now.",
        response=[{"name": "diffusion2d", "label": "Diffusion",
                   "description": "Energy injected at points spreads through a 2D field (heat equation).",
                   "available": True, "params": {"nx": {"type": "integer", "minimum": 8, "maximum": 512,
                                                          "default": 128}}}]),
    "lab_jobs_estimate": Doc(
        "Estimate a job",
        "Validates the parameters and returns the CEU cost, the integration method and step, and whether your "
        "available CEU cover it, without submitting anything. `energy` is the energy part of the cost, from "
        "measured jobs of the kind scaled by size (null before any was measured).",
        request=REQUEST,
        response={"kind": "diffusion2d", "cost": 12000, "work": 22118400.0, "method": "spectral", "steps": 2400,
                  "dt": 0.025, "stability_limit": 0.25, "reason": "", "time_limit_s": 600, "available": 238000,
                  "sufficient": True, "params": PARAMS,
                  "energy": {"joules": 5100.0, "wall_s": 40.0, "ceu_energy": 14, "energy_share": 0.00118,
                             "samples": 37}},
        errors=WORK),
    "lab_jobs_submit": Doc(
        "Submit a job",
        "Validates, holds the estimated CEU and queues the job for a GPU worker; poll it for progress. Unused CEU "
        "are released when it ends. Requires an Idempotency-Key. With `flexible: true` and a `deadline` (at most "
        "48 h ahead, and at least twice the job's expected duration away) the job waits for the lowest-carbon "
        "window (or lowest-price, as your tenant is set) that still finishes in time. `schedule` tells where it "
        "stands: `deferred` until `not_before`, `queued` with its `position` and `estimated_start` while the "
        "GPU queue is busy (`over_limit` when it is past its depth limit), then `released`. Each tenant runs a "
        "fair share of the GPU queue; too many of your jobs waiting answers 429 `queue_full`. A flexible "
        'request adds `"flexible": true, "deadline": "2026-03-02T18:00:00Z"` to the body.',
        request=REQUEST, response=JOB,
        errors={400: (*WORK[400], OpsErrorCode.INVALID_SCHEDULE), 402: (LedgerErrorCode.INSUFFICIENT_CEU,),
                429: (OpsErrorCode.QUEUE_FULL,)}),
    "lab_jobs_list": Doc(
        "List jobs", "Your jobs, newest first; filter by `status` and `kind`.", response=page(JOB)),
    "lab_jobs_retrieve": Doc(
        "Get a job",
        "Poll this while the job runs: `progress` is updated about twice a second; when it succeeds, "
        "`metrics` and `artefacts` are filled in. Once it has finished, `energy` gives the joules it used (with "
        "their source; `estimated` when the CPU part comes from the power model), its gCO2e and the part of the "
        "charge that paid for the energy.",
        response=DONE),
    "lab_jobs_artefact": Doc(
        "Download an artefact",
        "Streams one artefact of a finished job: fields.npz, PNG pictures or metrics JSON, with its own content "
        "type."),
    "lab_jobs_cancel": Doc(
        "Cancel a job", "Cancels a queued or running job and releases its CEU hold; a finished job answers 409.",
        response={**JOB, "status": "cancelled", "finished_at": T2}, errors={409: (J.JOB_STATE,)}),
}
