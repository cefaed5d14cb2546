"""A job's life on the submitting side: quote, submit (validate, hold the estimate, enqueue after commit),
cancel, and the periodic re-enqueue of jobs whose task was lost."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.core.selectors import get_or_not_found
from apps.lab.artefacts import artefacts_purge
from apps.lab.conf import lab_setting
from apps.lab.errors import LabErrorCode
from apps.lab.kinds import kind_get
from apps.lab.models import JobStatus, LabJob
from apps.lab.pricing import Estimate
from apps.lab.services.scheduling import (
    REF_TYPE,
    job_plan,
    job_schedule_in_transaction,
    job_unschedule_in_transaction,
)
from apps.ledger.models import Hold
from apps.ledger.services import account_open
from apps.ledger.services.charges import CEU, charge_hold_in_transaction, insufficient_ceu
from apps.ledger.services.holds import hold_release_pending_in_transaction
from apps.ledger.services.retry import with_retries
from apps.ops import scheduling
from apps.ops.services import audit_record
from apps.tenants import rls
from apps.tenants.models import Tenant

HOLD_QUEUE_ALLOWANCE = timedelta(hours=6)  # time a job may wait in the queue before its reservation lapses
HARD_LIMIT_GRACE_S = 30  # between the soft limit (job failed cleanly) and the hard kill of the process
MIN_TIME_LIMIT_S = 10
REQUEUE_QUEUED_AFTER = timedelta(minutes=1)  # a job still queued this long after submit lost its message
REDELIVER_AFTER = timedelta(hours=1)  # re-send a queued job's task at most this often (a backlog is normal)
REQUEUE_LIMIT = 200  # jobs re-sent per sweep: the next sweep (every 60 s) takes the rest, so none waits long


@dataclass(frozen=True)
class Quote:
    kind: str
    params: dict[str, Any]
    estimate: Estimate
    time_limit_s: int

    @property
    def cost(self) -> int:
        return self.estimate.cost


def job_quote(*, kind: str, params: Any, time_limit_s: int | None = None, tenant: Tenant | None = None) -> Quote:
    """Validates the parameters and prices the job without writing anything (the estimate API and submit)."""
    spec = kind_get(kind)
    tenant_id = tenant.pk if tenant is not None else None
    clean = spec.validate(params, tenant_id=tenant_id)
    estimate = spec.plan(clean, tenant_id=tenant_id)
    return Quote(kind=kind, params=clean, estimate=estimate, time_limit_s=_time_limit(time_limit_s))


def _time_limit(requested: int | None) -> int:
    limit = lab_setting("LAB_DEFAULT_TIME_LIMIT_S") if requested is None else requested
    top = lab_setting("LAB_MAX_TIME_LIMIT_S")
    if type(limit) is not int or not MIN_TIME_LIMIT_S <= limit <= top:
        message = f"Between {MIN_TIME_LIMIT_S} and {top} seconds."
        raise ApplicationError("The time limit is out of range.", code=LabErrorCode.INVALID_PARAMS,
                               extra={"fields": {"time_limit_s": [message]}})
    return limit


_WORK, _REMEDY = "This job needs", "Buy CEU on the billing page, or make the job smaller."


def job_submit(*, actor: Actor, tenant: Tenant, kind: str, params: Any, time_limit_s: int | None = None,
               flexible: bool = False, deadline: datetime | None = None) -> LabJob:
    """Entry point (API, portal): validate, price and plan first, then hold the estimate and enter the job in
    the gpu queue's schedule, in one durable transaction; the dispatcher sends it to a worker after commit
    (at once when a slot is free, in its low-carbon window when `flexible`). Refused with a 400 before anything
    is written when the parameters or the deadline are invalid or the CEU is not there."""
    quote = job_quote(kind=kind, params=params, time_limit_s=time_limit_s, tenant=tenant)
    plan = job_plan(tenant_id=tenant.pk, kind=kind, work=quote.estimate.work, flexible=flexible, deadline=deadline)

    def attempt() -> LabJob:
        with transaction.atomic(durable=True):
            return job_open_in_transaction(actor=actor, tenant=tenant, quote=quote, plan=plan)

    return with_retries(attempt)


def job_open_in_transaction(*, actor: Actor, tenant: Tenant, quote: Quote,
                            plan: scheduling.Plan | None = None) -> LabJob:
    account = account_open(actor=actor, tenant=tenant, asset=CEU)
    if quote.cost > account.available:
        raise insufficient_ceu(quote.cost, account.available, work=_WORK, remedy=_REMEDY)
    job = LabJob(tenant=tenant, kind=quote.kind, params=quote.params, cost_estimate=quote.cost,
                 work_estimate=quote.estimate.work, time_limit_s=quote.time_limit_s,
                 max_attempts=lab_setting("LAB_MAX_ATTEMPTS"), submitted_by=actor.label[:200])
    job.full_clean()
    job.save()
    plan = plan or job_plan(tenant_id=tenant.pk, kind=job.kind, work=job.work_estimate, flexible=False,
                            deadline=None)
    job.hold_id = _hold(actor, tenant, job, account.pk, start=plan.deadline or timezone.now()).pk
    job.save(update_fields=["hold_id", "updated_at"])
    job_schedule_in_transaction(job=job, plan=plan)
    audit_record(actor=actor, action="lab.job_submit", obj=job, tenant_id=tenant.pk,
                 after={"kind": job.kind, "cost_estimate": job.cost_estimate, "hold": job.hold_id,
                        "time_limit_s": job.time_limit_s, "flexible": plan.flexible,
                        "deadline": plan.deadline.isoformat() if plan.deadline else None,
                        "not_before": plan.not_before.isoformat()})
    return job


def _hold(actor: Actor, tenant: Tenant, job: LabJob, account_id: int, *, start: datetime) -> Hold:
    # A flexible job may wait until its deadline: its reservation lasts from then, not from now.
    expires = start + HOLD_QUEUE_ALLOWANCE + timedelta(seconds=job.time_limit_s * job.max_attempts)
    return charge_hold_in_transaction(actor=actor, tenant=tenant, client_id=f"lab-job:{job.pk}",
                                      account_id=account_id, amount=job.cost_estimate, expires_at=expires,
                                      metadata={"lab_job": job.pk, "kind": job.kind}, work=_WORK, remedy=_REMEDY)


def job_enqueue(*, tenant_id: int, job_id: int) -> None:
    """Sends the run task to the gpu queue with the job's own time limits, then notes that the broker has it."""
    from apps.lab.tasks import job_run

    with rls.tenant_scope(tenant_id):
        limit = LabJob.objects.values_list("time_limit_s", flat=True).get(pk=job_id)
        job_run.apply_async((job_id,), queue=lab_setting("LAB_QUEUE"), soft_time_limit=limit,
                            time_limit=limit + HARD_LIMIT_GRACE_S)
        LabJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now())


def job_cancel(*, actor: Actor, tenant: Tenant, job_id: int) -> LabJob:
    """Cancels a queued or running job and releases its whole reservation at once, so nothing depends on the
    worker being alive; a running worker notices at its next progress check and stops without charging."""
    def attempt() -> LabJob:
        with transaction.atomic(durable=True):
            job = get_or_not_found(LabJob.objects.select_for_update().filter(tenant=tenant), "No such lab job.",
                                   pk=job_id)
            if not job.is_active:
                raise ApplicationError(f"This job is already {job.status}.", code=LabErrorCode.JOB_STATE,
                                       status=409)
            before = job.status
            hold_release_pending_in_transaction(actor=actor, hold_id=job.hold_id)
            job.status, job.finished_at = JobStatus.CANCELLED, timezone.now()
            job.save(update_fields=["status", "finished_at", "updated_at"])
            job_unschedule_in_transaction(job_id=job.pk, cancelled=True)
            audit_record(actor=actor, action="lab.job_cancel", obj=job, tenant_id=tenant.pk,
                         before={"status": before}, after={"status": job.status, "progress": job.progress})
            return job

    job = with_retries(attempt)
    if job.attempts:  # a started attempt may have written part of its output
        artefacts_purge(job=job)
    return job


def jobs_requeue_stale(*, limit: int = REQUEUE_LIMIT) -> int:
    """Periodic: sends the task again for jobs whose message never arrived (queued past `REQUEUE_QUEUED_AFTER`,
    and not re-sent within `REDELIVER_AFTER`) and for running jobs whose worker went silent past the lease.
    Duplicates are harmless: the run claims the job with a conditional update and a live attempt keeps its
    heartbeat fresh. Jobs the scheduler still holds back (deferred, or waiting for a slot) are not sent. Sends
    at most `limit` tasks, oldest first; returns how many it sent."""
    now = timezone.now()
    queued_before = now - REQUEUE_QUEUED_AFTER
    lease_before = now - timedelta(seconds=lab_setting("LAB_LEASE_S"))
    not_sent = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REDELIVER_AFTER)
    lost = Q(status=JobStatus.RUNNING, heartbeat_at__lt=lease_before) & (Q(enqueued_at__isnull=True)
                                                                          | Q(enqueued_at__lt=lease_before))
    with rls.system_context(reason="the requeue sweep covers every tenant's jobs"):
        held = scheduling.scheduled_refs_waiting(ref_type=REF_TYPE)
        stale = list(LabJob.objects.filter(Q(status=JobStatus.QUEUED, created_at__lt=queued_before) & not_sent
                                           | lost).exclude(pk__in=held)
                     .order_by("pk").values_list("tenant_id", "pk")[:limit])
    for tenant_id, job_id in stale:
        job_enqueue(tenant_id=tenant_id, job_id=job_id)
    return len(stale)
