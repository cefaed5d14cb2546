from __future__ import annotations

from typing import Any

from apps.core.actors import Actor
from apps.lab import services
from apps.lab.models import LabJob
from apps.tenants.models import Tenant
from tests.ledger.factories import funded_account

ACTOR = Actor.system("test")
# ~0.1 s on two CPU threads: 24 explicit steps over a 32x32 grid, 4 snapshots
SMALL_DIFFUSION = {"nx": 32, "ny": 32, "t_end": 5.0, "snapshots": 4, "method": "explicit"}
GRAPH = {"edges": [["pump", "tank"], ["tank", "valve", 2.0], ["valve", "meter"], ["pump", "meter", 0.5]],
         "source": "pump", "t_end": 4.0, "snapshots": 5}


def submitted(tenant: Tenant, kind: str = "diffusion2d", params: dict[str, Any] | None = None,
              fund: int = 100_000, **kwargs: Any) -> LabJob:
    if fund:
        funded_account(tenant, fund)
    return services.job_submit(actor=ACTOR, tenant=tenant, kind=kind,
                               params=SMALL_DIFFUSION if params is None else params, **kwargs)


def reloaded(job: LabJob) -> LabJob:
    job.refresh_from_db()
    return job
