from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.core.selectors import get_or_not_found, not_found
from apps.lab.artefacts import ARRAYS_NAME, artefact_bytes
from apps.lab.kinds.graph import MAX_EDGES as GRAPH_MAX_EDGES
from apps.lab.kinds.graph import MAX_NODES as GRAPH_MAX_NODES
from apps.lab.kinds.graph import by_arrival
from apps.lab.models import LabJob
from apps.tenants.models import Tenant

# The graph kind's limits and node order, public for apps that build graph jobs and draw them (dna's cascade).
__all__ = ["GRAPH_MAX_EDGES", "GRAPH_MAX_NODES", "artefact_entry", "by_arrival", "job_arrays", "job_get", "job_list"]


def job_list(*, tenant: Tenant, status: str | None = None, kind: str | None = None) -> QuerySet[LabJob]:
    qs = LabJob.objects.filter(tenant=tenant)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def job_get(*, tenant: Tenant, job_id: int) -> LabJob:
    """Raises a 404 (also a LabJob.DoesNotExist) for another tenant's job, exactly as for a missing one."""
    return get_or_not_found(LabJob.objects.filter(tenant=tenant), "No such lab job.", pk=job_id)


def artefact_entry(*, tenant: Tenant, job_id: int, name: str) -> tuple[LabJob, dict[str, Any]]:
    """The job and its artefact `name`, looked up in the job's own index (never a path from the request).
    Raises LabJob.DoesNotExist when either is missing."""
    job = job_get(tenant=tenant, job_id=job_id)
    entry = next((a for a in job.artefacts if a.get("name") == name), None)
    if entry is None:
        raise not_found(LabJob, f"Job {job_id} has no artefact {name!r}.")
    return job, entry


def job_arrays(*, tenant: Tenant, job_id: int) -> bytes:
    """A job's arrays artefact (an .npz) for another app to draw. Raises LabJob.DoesNotExist for another tenant's
    job, FileNotFoundError while the job has none."""
    return artefact_bytes(tenant_id=tenant.pk, job_id=job_id, name=ARRAYS_NAME)
