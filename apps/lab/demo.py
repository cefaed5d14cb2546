"""Demo lab data: a CEU grant for the lab to every demo tenant, and one finished diffusion job for the partner
and for its client Northwind, run here (not by a worker) so the Lab page has pictures straight away."""
from __future__ import annotations

from typing import Any

from apps.core.actors import Actor
from apps.lab import services
from apps.lab.models import JobStatus, LabJob
from apps.ledger.services import account_open, issue_create
from apps.tenants.models import Tenant

ACTOR = Actor.system("seed_demo")
GRANT = 100_000  # 100 CEU each, enough for a few hundred small jobs
JOB_TENANTS = ("helios", "northwind")
DEMO_JOB = {"nx": 96, "ny": 96, "t_end": 60.0, "snapshots": 6, "boundary": "neumann", "diffusivity": 1.0,
            "sources": [{"x": 30, "y": 60, "sigma": 4, "amount": 2.0}, {"x": 64, "y": 28, "sigma": 6, "amount": 1.0}]}


def seed(tenants: dict[str, Tenant], stdout: Any) -> None:
    for tenant in tenants.values():
        account = account_open(actor=ACTOR, tenant=tenant, asset="CEU")
        issue_create(actor=ACTOR, tenant=tenant, account_id=account.pk, asset="CEU", amount=GRANT,
                     client_id="demo-lab-grant")
    outcomes = [_demo_job(tenants[slug]) for slug in JOB_TENANTS if slug in tenants]
    stdout.write(f"  lab: CEU granted; demo diffusion jobs {', '.join(outcomes)} (idempotent)")


def _demo_job(tenant: Tenant) -> str:
    job = LabJob.objects.filter(tenant=tenant, kind="diffusion2d", submitted_by=ACTOR.label).order_by("pk").first()
    if job is None:
        job = services.job_submit(actor=ACTOR, tenant=tenant, kind="diffusion2d", params=DEMO_JOB, time_limit_s=120)
    if job.status == JobStatus.QUEUED:
        # a running worker may take it first; either way it finishes
        services.job_run(job_id=job.pk, delivery=f"seed_demo:{job.pk}")
        job.refresh_from_db()
    return f"#{job.pk} {job.status}"
