"""The capsules' side of the ops scheduler: a run submitted `flexible` with a deadline waits in PostgreSQL for
its low-carbon window (apps/ops/scheduling) instead of going to Celery at once. Capsule runs use the default
queue, which has no slots: the scheduler only defers them; other runs are sent at once as before."""
from __future__ import annotations

from datetime import datetime

from django.db import transaction

from apps.capsules.models import CapsuleRun
from apps.ops import scheduling
from apps.tenants import rls

REF_TYPE = CapsuleRun._meta.label_lower  # "capsules.capsulerun", as JobEnergy names the measured row
QUEUE = "default"


def run_plan(*, tenant_id: int, kind: str, points: int, deadline: datetime | None) -> scheduling.Plan:
    """Reads only; raises a 400 naming `deadline` when it cannot work."""
    with rls.system_context(reason="expected durations come from every tenant's measured runs of the kind"):
        return scheduling.schedule_plan(tenant_id=tenant_id, kind=f"capsule.{kind}", queue=QUEUE, size=points,
                                        flexible=True, deadline=deadline)


def run_schedule_in_transaction(*, run: CapsuleRun, plan: scheduling.Plan) -> None:
    scheduling.scheduled_job_enter_in_transaction(tenant_id=run.tenant_id, plan=plan, ref_type=REF_TYPE,
                                                  ref_id=run.pk)
    transaction.on_commit(_dispatch, robust=True)  # a window already open releases at once; else beat does


def run_unschedule_in_transaction(*, run_id: int) -> None:
    scheduling.scheduled_job_end_in_transaction(ref_type=REF_TYPE, ref_id=run_id)


def _dispatch() -> None:
    with rls.system_context(reason="the dispatcher reads every tenant's jobs on the queue"):
        scheduling.dispatch_release(queue=QUEUE)


def run_standing(*, run: CapsuleRun) -> scheduling.Standing | None:
    with rls.system_context(reason="a queue position ranks every tenant's waiting jobs; only counts come out"):
        return scheduling.scheduled_job_standing(tenant_id=run.tenant_id, ref_type=REF_TYPE, ref_id=run.pk)


def sender_register() -> None:
    """Called from CapsulesConfig.ready(): the dispatcher sends a released run with the capsules' own enqueue."""
    from apps.capsules.services.runs import run_enqueue

    scheduling.sender_register(REF_TYPE, lambda tenant_id, ref_id: run_enqueue(ref_id))
