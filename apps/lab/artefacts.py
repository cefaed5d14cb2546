"""A job's artefacts in the lab storage: one .npz of the arrays, the rendered files, metrics.json.

Paths are deterministic, `lab/<tenant id>/<job id>/<name>`, so a re-run after a lost worker overwrites its own
files, and a failed or cancelled job's directory can be purged whatever was written before it stopped.
"""
from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
from django.core.files import File as DjangoFile
from django.http import FileResponse

from apps.lab.kinds.base import Outcome
from apps.lab.models import LabJob
from apps.lab.storage import lab_storage, storage_put

ARRAYS_NAME = "fields.npz"
METRICS_NAME = "metrics.json"


def job_dir(job: LabJob) -> str:
    return f"lab/{job.tenant_id}/{job.pk}"


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]  # stub: **kwds could reach allow_pickle
    return buffer.getvalue()


def artefacts_save(*, job: LabJob, outcome: Outcome, metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """Writes every artefact and returns their index (name, path, content type, size) for the job row."""
    storage = lab_storage()
    files = [(ARRAYS_NAME, _npz(outcome.arrays), "application/octet-stream")]
    files += [(f.name, f.content, f.content_type) for f in outcome.files]
    files.append((METRICS_NAME, json.dumps(metrics, indent=2, sort_keys=True).encode(), "application/json"))
    index = []
    for name, content, content_type in files:
        path = storage_put(storage, f"{job_dir(job)}/{name}", content, content_type)
        index.append({"name": name, "path": path, "content_type": content_type, "size": len(content)})
    return index


def artefacts_purge(*, job: LabJob) -> int:
    """Deletes whatever lies in the job's directory (a stopped attempt's partial output). Returns the count."""
    storage = lab_storage()
    try:
        _, names = storage.listdir(job_dir(job))
    except FileNotFoundError:
        return 0
    for name in names:
        storage.delete(f"{job_dir(job)}/{name}")
    return len(names)


def artefact_open(entry: dict[str, Any]) -> DjangoFile:
    return lab_storage().open(entry["path"], "rb")


def artefact_bytes(*, tenant_id: int, job_id: int, name: str) -> bytes:
    """The content of another job's artefact of the same tenant (a trained model read by a forecast)."""
    job = LabJob.objects.filter(tenant_id=tenant_id).get(pk=job_id)
    entry = next((a for a in job.artefacts if a["name"] == name), None)
    if entry is None:
        raise FileNotFoundError(f"job {job_id} has no artefact {name!r}")
    with artefact_open(entry) as fh:
        return fh.read()


def artefact_response(entry: dict[str, Any]) -> FileResponse:
    """A streamed download; pictures and JSON open inline, arrays download as attachments."""
    inline = entry["content_type"].startswith("image/") or entry["content_type"] == "application/json"
    response = FileResponse(artefact_open(entry), as_attachment=not inline, filename=entry["name"],
                            content_type=entry["content_type"])
    response["Cache-Control"] = "private, max-age=3600"
    return response
