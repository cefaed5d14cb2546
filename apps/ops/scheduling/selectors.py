"""Reads of the scheduler: where a job stands (its position and estimated start), and the refs it holds."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet, Sum
from django.utils import timezone

from apps.ops.models import ScheduledJob, ScheduledState, TenantSchedule
from apps.ops.scheduling.conf import ops_setting, queue_slots
from kernels.scheduling import Waiting, fair_order, start_estimates

POSITION_HORIZON = 5000  # waiting rows ranked for a position; a queue deeper than this is far past its limit


@dataclass(frozen=True)
class Standing:
    state: str  # "deferred" (waiting for its window), "queued" (due, waiting for a slot), "released", or ended
    flexible: bool
    deadline: datetime | None
    not_before: datetime
    expected_duration_s: float
    position: int | None  # 1 = next to go, among the jobs due on its queue
    queue_depth: int  # jobs due and waiting on the queue
    over_limit: bool  # the queue is past OPS_QUEUE_DEPTH_LIMIT
    estimated_start: datetime | None
    note: str


def served_seconds(*, queue: str, now: datetime) -> dict[int, float]:
    """Expected seconds released per tenant over the last `OPS_FAIR_WINDOW_S`, running or done: where each
    tenant's fair-share clock starts. Without this memory a pass that finds the slots empty would forget who
    just had them, and a heavier-weighted tenant would win every pass."""
    since = now - timedelta(seconds=ops_setting("OPS_FAIR_WINDOW_S"))
    rows = (ScheduledJob.objects.filter(queue=queue, released_at__gte=since).values("tenant_id")
            .annotate(s=Sum("expected_s")).values_list("tenant_id", "s"))
    return {tenant_id: float(s or 0.0) for tenant_id, s in rows}


def scheduled_refs_waiting(*, ref_type: str) -> QuerySet[ScheduledJob, int]:
    """Ref ids the scheduler still holds back (the owner's stale-job sweep must not send them)."""
    return ScheduledJob.objects.filter(ref_type=ref_type, state=ScheduledState.WAITING).values_list("ref_id",
                                                                                                   flat=True)


def scheduled_job_standing(*, tenant_id: int, ref_type: str, ref_id: int) -> Standing | None:
    """The job's place in its queue. Ranks every tenant's due jobs, so the caller runs it in a system context;
    only counts and times come out, never another tenant's rows."""
    row = ScheduledJob.objects.filter(tenant_id=tenant_id, ref_type=ref_type, ref_id=ref_id).first()
    if row is None:
        return None
    now = timezone.now()
    due = list(ScheduledJob.objects.filter(queue=row.queue, state=ScheduledState.WAITING, not_before__lte=now)
               .order_by("created_at", "id").values_list("id", "tenant_id", "expected_s")[:POSITION_HORIZON])
    state, position, start = _state(row, now), None, None
    if state == "queued":
        position, start = _position(row, due, now)
    elif state == "deferred":
        start = row.not_before
    elif row.state == ScheduledState.RELEASED:
        start = row.released_at
    return Standing(state=state, flexible=row.flexible, deadline=row.deadline, not_before=row.not_before,
                    expected_duration_s=row.expected_s, position=position, queue_depth=len(due),
                    over_limit=len(due) > ops_setting("OPS_QUEUE_DEPTH_LIMIT"), estimated_start=start, note=row.note)


def _state(row: ScheduledJob, now: datetime) -> str:
    if row.state == ScheduledState.WAITING:
        return "deferred" if row.not_before > now else "queued"
    return str(row.state)


def _position(row: ScheduledJob, due: list[tuple[int, int, float]], now: datetime) -> tuple[int | None, datetime]:
    released = list(ScheduledJob.objects.filter(queue=row.queue, state=ScheduledState.RELEASED)
                    .values_list("expected_s", "released_at"))
    weights = dict(TenantSchedule.objects.filter(tenant_id__in={d[1] for d in due}).values_list("tenant_id", "weight"))
    order = fair_order([Waiting(pk, tenant=t, cost_s=s) for pk, t, s in due],
                       in_flight_s=served_seconds(queue=row.queue, now=now), weights=weights)
    if row.pk not in order:
        return None, now
    index = order.index(row.pk)
    cost = {pk: s for pk, _, s in due}
    # A running job frees its slot after its expected duration (at once when overdue); free slots are free now.
    busy = [max(0.0, expected - (now - (at or now)).total_seconds()) for expected, at in released]
    count = queue_slots(row.queue) or len(order)  # a queue without slots starts everything that is due
    slots = (busy + [0.0] * count)[:max(count, 1)]
    waits = start_estimates([cost[pk] for pk in order[:index + 1]], slots_free_in_s=sorted(slots))
    return index + 1, now + timedelta(seconds=waits[index])
