"""The lab's side of the ops scheduler: a job is planned before its submission transaction (expected duration,
deadline checks, the window), enters the schedule inside it, and the dispatcher runs after each commit that
may free or fill a slot. Jobs reach Celery only through the dispatcher (apps/ops/scheduling)."""
from __future__ import annotations

from datetime import datetime

from django.db import transaction

from apps.lab.conf import lab_setting
from apps.lab.models import LabJob
from apps.ops import scheduling
from apps.tenants import rls

REF_TYPE = LabJob._meta.label_lower  # "lab.labjob", as JobEnergy names the measured row


def job_kind_key(kind: str) -> str:
    return f"lab.{kind}"


def job_plan(*, tenant_id: int, kind: str, work: float, flexible: bool,
             deadline: datetime | None) -> scheduling.Plan:
    """Reads only; raises a 400 naming `deadline` when a flexible job's deadline cannot work."""
    with rls.system_context(reason="expected durations come from every tenant's measured runs of the kind"):
        return scheduling.schedule_plan(tenant_id=tenant_id, kind=job_kind_key(kind), queue=lab_setting("LAB_QUEUE"),
                                        size=round(work), flexible=flexible, deadline=deadline)


def job_expected_seconds(*, kind: str, work: float) -> float:
    """The expected run time a quote shows: the very figure job_plan checks a deadline against."""
    with rls.system_context(reason="expected durations come from every tenant's measured runs of the kind"):
        return scheduling.expected_seconds(kind=job_kind_key(kind), size=round(work))


def job_schedule_in_transaction(*, job: LabJob, plan: scheduling.Plan) -> None:
    scheduling.scheduled_job_enter_in_transaction(tenant_id=job.tenant_id, plan=plan, ref_type=REF_TYPE,
                                                  ref_id=job.pk)
    dispatch_after_commit()


def job_unschedule_in_transaction(*, job_id: int, cancelled: bool) -> None:
    if scheduling.scheduled_job_end_in_transaction(ref_type=REF_TYPE, ref_id=job_id, cancelled=cancelled):
        dispatch_after_commit()  # a slot came free: the next job need not wait for beat


def dispatch_after_commit() -> None:
    # robust: a broker or database hiccup here must not undo the committed job; beat dispatches in 5 s anyway
    transaction.on_commit(_dispatch, robust=True)


def _dispatch() -> None:
    with rls.system_context(reason="the dispatcher counts every tenant's jobs on the queue"):
        scheduling.dispatch_release(queue=lab_setting("LAB_QUEUE"))


def job_standing(*, job: LabJob) -> scheduling.Standing | None:
    with rls.system_context(reason="a queue position ranks every tenant's waiting jobs; only counts come out"):
        return scheduling.scheduled_job_standing(tenant_id=job.tenant_id, ref_type=REF_TYPE, ref_id=job.pk)


def sender_register() -> None:
    """Called from LabConfig.ready(): the dispatcher sends a released job with the lab's own enqueue."""
    from apps.lab.services.jobs import job_enqueue

    scheduling.sender_register(REF_TYPE, lambda tenant_id, ref_id: job_enqueue(tenant_id=tenant_id, job_id=ref_id))
