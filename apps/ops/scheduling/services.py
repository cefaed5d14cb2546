"""Writes of the scheduler: a job enters the schedule in its submission's transaction, leaves it in its
completion's, and the dispatcher releases due jobs to Celery.

Exactly once: the dispatcher holds a per-queue advisory lock for its transaction (one dispatcher counts a
queue's free slots at a time), flips each chosen row from waiting to released in that transaction, and
sends the tasks only after it commits. A crash before the commit releases nothing; a crash after the commit
but before the send leaves a released job whose owner's stale-job sweep sends it again; a second delivery is
refused by the owner's run claim (a conditional UPDATE on the job's own row).
"""
from __future__ import annotations

import zlib
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count, F
from django.db.models.expressions import Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.ops.carbon import CarbonError, intensity_at
from apps.ops.errors import OpsErrorCode
from apps.ops.models import ScheduledJob, ScheduledState, TenantSchedule
from apps.ops.scheduling.conf import ops_setting, queue_slots
from apps.ops.scheduling.planning import Plan
from apps.ops.scheduling.registry import sender_for
from apps.ops.scheduling.selectors import served_seconds
from kernels.scheduling import Waiting, fair_order, release

ACTIVE = (ScheduledState.WAITING, ScheduledState.RELEASED)
UNCAPPED_BATCH = 500  # due rows a pass releases on a queue without slots; the next pass (5 s) takes the rest


def scheduled_job_enter_in_transaction(*, tenant_id: int, plan: Plan, ref_type: str, ref_id: int) -> ScheduledJob:
    """Adds the job to the schedule inside its submission's transaction and asks for a dispatch after commit.
    Refused (429 `queue_full`) when the tenant already has `OPS_TENANT_WAITING_CAP` jobs waiting."""
    assert transaction.get_connection().in_atomic_block, "a job enters the schedule with its own row"
    waiting = ScheduledJob.objects.filter(tenant_id=tenant_id, queue=plan.queue,
                                          state=ScheduledState.WAITING).count()
    cap = ops_setting("OPS_TENANT_WAITING_CAP")
    if waiting >= cap:
        raise ApplicationError(f"You already have {waiting} jobs waiting on the {plan.queue} queue; submit more "
                               "when some have started.", code=OpsErrorCode.QUEUE_FULL, status=429,
                               extra={"waiting": waiting, "limit": cap})
    row = ScheduledJob(
        tenant_id=tenant_id, kind=plan.kind, queue=plan.queue, ref_type=ref_type, ref_id=ref_id, size=plan.size,
        expected_s=plan.expected_s, flexible=plan.flexible, deadline=plan.deadline, not_before=plan.not_before,
        objective=plan.objective, region=plan.region, intensity_at_submit=plan.intensity_at_submit,
        intensity_planned=plan.intensity_planned, price_at_submit=plan.price_at_submit, note=plan.note)
    row.full_clean()
    row.save()
    return row


def scheduled_job_end_in_transaction(*, ref_type: str, ref_id: int, cancelled: bool = False) -> bool:
    """Frees the job's slot inside its completion (or cancellation) transaction; False when it was not
    scheduled (a job from before the scheduler, or one already ended)."""
    state = ScheduledState.CANCELLED if cancelled else ScheduledState.FINISHED
    return bool(ScheduledJob.objects.filter(ref_type=ref_type, ref_id=ref_id, state__in=ACTIVE)
                .update(state=state, finished_at=timezone.now(), updated_at=timezone.now()))


def _locked(queue: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [0x0B5, zlib.crc32(queue.encode()) & 0x7FFFFFFF])
        return bool(cursor.fetchone()[0])


def _candidates(queue: str, now: datetime, per_tenant: int) -> list[ScheduledJob]:
    # Each tenant's oldest due jobs only: no tenant can release more than `per_tenant` (the free slots) in one
    # pass, and a burst of one tenant must not push the others' jobs out of the batch.
    ranked = (ScheduledJob.objects.filter(queue=queue, state=ScheduledState.WAITING, not_before__lte=now)
              .annotate(rank=Window(RowNumber(), partition_by=[F("tenant_id")], order_by=[F("created_at"), F("id")]))
              .filter(rank__lte=per_tenant).values_list("id", flat=True))
    return list(ScheduledJob.objects.select_for_update(skip_locked=True)
                .filter(pk__in=list(ranked), state=ScheduledState.WAITING).order_by("created_at", "id"))


def dispatch_release(*, queue: str) -> list[int]:
    """Releases the due jobs of `queue` that fit its free slots and their tenants' quotas, in weighted fair
    order; returns the released rows' ids. Runs in a system context (it counts every tenant's jobs). Safe to
    run at any time and concurrently: a second dispatcher finds the lock taken and leaves the work to the
    first. Cost: two indexed queries over the queue's waiting and released rows."""
    with transaction.atomic(durable=True):
        if not _locked(queue):
            return []
        running = dict(ScheduledJob.objects.filter(queue=queue, state=ScheduledState.RELEASED)
                       .values("tenant_id").annotate(n=Count("id")).values_list("tenant_id", "n"))
        slots = queue_slots(queue)
        free = UNCAPPED_BATCH if slots is None else slots - sum(running.values())
        if free <= 0:
            return []
        now = timezone.now()
        rows = {row.pk: row for row in _candidates(queue, now, free)}
        quota = free if slots is None else None
        chosen = _fair_pick(rows, running, served_seconds(queue=queue, now=now), free, quota)
        _mark_released(queue, [rows[pk] for pk in chosen], now)
        picked = [(rows[pk].ref_type, rows[pk].tenant_id, rows[pk].ref_id) for pk in chosen]
        transaction.on_commit(lambda: _send(picked), robust=True)
        return chosen


def _fair_pick(rows: dict[int, ScheduledJob], running: dict[int, int], served: dict[int, float],
               free: int, uncapped_quota: int | None) -> list[int]:
    tenants = {row.tenant_id for row in rows.values()}
    settings = {s.tenant_id: s for s in TenantSchedule.objects.filter(tenant_id__in=tenants)}
    waiting = [Waiting(pk, tenant=row.tenant_id, cost_s=row.expected_s) for pk, row in rows.items()]
    order = fair_order(waiting, in_flight_s=served, weights={t: s.weight for t, s in settings.items()})
    quota = {t: s.gpu_quota for t, s in settings.items() if s.gpu_quota}
    return release(order, {w.key: w.tenant for w in waiting}, running=running,
                   quota=quota, default_quota=uncapped_quota or ops_setting("OPS_TENANT_QUOTA"), free_slots=free)


def _mark_released(queue: str, rows: list[ScheduledJob], now: datetime) -> None:
    here: dict[str, tuple[float | None, int | None]] = {}
    for row in rows:
        if row.region not in here:
            try:
                point = intensity_at(row.region, now)
                here[row.region] = (point.gco2_per_kwh, point.price_per_mwh_minor)
            except CarbonError:
                here[row.region] = (None, None)
        row.intensity_at_run, row.price_at_run = here[row.region]
        row.state, row.released_at, row.releases = ScheduledState.RELEASED, now, row.releases + 1
        row.save(update_fields=["state", "released_at", "releases", "intensity_at_run", "price_at_run",
                                "updated_at"])


def _send(picked: list[tuple[str, int, int]]) -> None:
    for ref_type, tenant_id, ref_id in picked:
        sender_for(ref_type)(tenant_id, ref_id)


def dispatch_queues() -> dict[str, list[int]]:
    """Periodic (beat): one dispatch pass over every queue with slots, and every queue with jobs waiting."""
    waiting = ScheduledJob.objects.filter(state=ScheduledState.WAITING).values_list("queue", flat=True).distinct()
    queues = sorted({*ops_setting("OPS_QUEUE_SLOTS"), *waiting})
    return {queue: dispatch_release(queue=queue) for queue in queues}
