"""Planning a submission before anything is written: its expected duration from measured history, the checks
on a flexible job's deadline (field-level 400s), and the window that minimises carbon (or price) before it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.ops.carbon import CarbonError, CarbonPoint, forecast, intensity_at
from apps.ops.errors import OpsErrorCode
from apps.ops.models import JobEnergy, ScheduleObjective, TenantSchedule
from apps.ops.scheduling.conf import ops_setting
from kernels.scheduling import Forecast, Prior, best_start, expected_duration


@dataclass(frozen=True)
class Plan:
    kind: str
    queue: str
    size: int
    expected_s: float
    flexible: bool
    deadline: datetime | None
    not_before: datetime
    objective: str
    region: str
    intensity_at_submit: float | None = None
    intensity_planned: float | None = None
    price_at_submit: int | None = None
    note: str = ""


def expected_seconds(*, kind: str, size: int) -> float:
    """Expected wall seconds of a `kind` job of `size`, fitted on the kind's latest measured runs (JobEnergy,
    every tenant's: the caller runs this in a system context) or the prior when fewer than three exist. Work of
    no size (a job that failed before it ran) says nothing about duration, so it takes no place in the window."""
    rows = list(JobEnergy.objects.filter(kind=kind, size__gt=0, wall_s__gt=0).order_by("-created_at", "-id")
                .values_list("size", "wall_s")[:ops_setting("OPS_HISTORY_RUNS")])
    sizes = np.array([r[0] for r in rows], dtype=np.float64)
    walls = np.array([r[1] for r in rows], dtype=np.float64)
    prior = Prior(work_per_s=ops_setting("OPS_PRIOR_WORK_PER_S"), overhead_s=ops_setting("OPS_PRIOR_OVERHEAD_S"))
    return expected_duration(sizes, walls, size=float(size), prior=prior)


def _invalid(message: str, field_message: str, **extra: object) -> ApplicationError:
    return ApplicationError(message, code=OpsErrorCode.INVALID_SCHEDULE,
                            extra={"fields": {"deadline": [field_message]}, **extra})


def deadline_check(*, flexible: bool, deadline: datetime | None, expected_s: float, now: datetime) -> None:
    """Refuses (400, naming the `deadline` field) a deadline that is missing, past, too soon for the job's
    expected duration, or further ahead than the scheduler plans."""
    if not flexible:
        if deadline is not None:
            raise _invalid("Only a flexible job takes a deadline.", "Set flexible to true, or leave this out.")
        return
    if deadline is None:
        raise _invalid("A flexible job needs a deadline.", "Required when flexible is true.")
    if deadline <= now:
        raise _invalid("The deadline is in the past.", "Must be in the future.")
    earliest = now + timedelta(seconds=expected_s * ops_setting("OPS_DEADLINE_MARGIN"))
    if deadline < earliest:
        raise _invalid(f"The deadline is too soon: this job is expected to take about {expected_s:.0f} s.",
                       f"At the earliest {earliest.isoformat(timespec='seconds')}.",
                       earliest_deadline=earliest.isoformat(), expected_duration_s=round(expected_s, 1))
    latest = now + timedelta(seconds=ops_setting("OPS_MAX_DEFERRAL_S"))
    if deadline > latest:
        hours = ops_setting("OPS_MAX_DEFERRAL_S") / 3600
        raise _invalid(f"The deadline is too far ahead: at most {hours:g} h.",
                       f"At the latest {latest.isoformat(timespec='seconds')}.")


def schedule_plan(*, tenant_id: int, kind: str, queue: str, size: int, flexible: bool,
                  deadline: datetime | None, now: datetime | None = None) -> Plan:
    """Reads only. A flexible job starts in the window of the tenant's objective (carbon or price) that ends
    before `deadline - expected x (margin - 1)` (slack kept for a retry); any other job is due at once."""
    now = now or timezone.now()
    expected = expected_seconds(kind=kind, size=size)
    deadline_check(flexible=flexible, deadline=deadline, expected_s=expected, now=now)
    setting = TenantSchedule.objects.filter(tenant_id=tenant_id).first()
    objective = setting.objective if setting else ScheduleObjective.CARBON
    region = settings.OPS_DEFAULT_REGION
    base = Plan(kind=kind, queue=queue, size=size, expected_s=expected, flexible=flexible, deadline=deadline,
                not_before=now, objective=objective, region=region)
    try:
        here = intensity_at(region, now)
        base = _with_now(base, here)
        if not flexible or deadline is None:
            return base
        slack = expected * (ops_setting("OPS_DEADLINE_MARGIN") - 1.0)
        return _placed(base, forecast(region, now, deadline), now=now, latest_end=deadline - timedelta(seconds=slack))
    except CarbonError as exc:  # no signal: run as if inflexible rather than refuse the work
        return _with_note(base, f"No carbon signal ({exc}); not deferred.")


def _with_now(plan: Plan, point: CarbonPoint) -> Plan:
    return Plan(**{**plan.__dict__, "intensity_at_submit": point.gco2_per_kwh,
                   "price_at_submit": point.price_per_mwh_minor})


def _with_note(plan: Plan, note: str) -> Plan:
    return Plan(**{**plan.__dict__, "note": note[:200]})


def _series(points: list[CarbonPoint], objective: str) -> tuple[Forecast, Forecast | None]:
    starts = np.array([p.start.timestamp() for p in points])
    ends = np.array([p.end.timestamp() for p in points])
    carbon = Forecast(starts=starts, ends=ends, values=np.array([p.gco2_per_kwh for p in points]))
    prices = [p.price_per_mwh_minor for p in points]
    if objective != ScheduleObjective.PRICE or any(price is None for price in prices):
        return carbon, None
    return carbon, Forecast(starts=starts, ends=ends, values=np.array(prices, dtype=np.float64))


def _placed(plan: Plan, points: list[CarbonPoint], *, now: datetime, latest_end: datetime) -> Plan:
    if not points:
        return _with_note(plan, "The forecast is empty; not deferred.")
    carbon, price = _series(points, plan.objective)
    chosen = best_start(price or carbon, duration_s=plan.expected_s, earliest=now.timestamp(),
                        deadline=latest_end.timestamp())
    planned = best_start(carbon, duration_s=plan.expected_s, earliest=chosen.start, deadline=chosen.start
                         + plan.expected_s)
    note = "" if price is not None or plan.objective == ScheduleObjective.CARBON else "No price forecast; by carbon."
    start = datetime.fromtimestamp(chosen.start, tz=now.tzinfo)
    return Plan(**{**plan.__dict__, "not_before": max(now, start), "intensity_planned": planned.mean,
                   "note": note})
