"""The back office's Ops view (operators only; it runs outside RLS and spans every tenant): workers and queues
live, the scheduler's running and deferred jobs, energy and carbon per day, and the carbon that deferral saved.

Live figures come with short timeouts so a dead broker or a silent worker shows as such instead of hanging
the page: Celery's inspect broadcast waits `INSPECT_TIMEOUT_S`, and queue lengths are Redis LLENs."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db.models import Count, ExpressionWrapper, F, FloatField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.ops.models import JobEnergy, ScheduledJob, ScheduledState
from apps.ops.scheduling.conf import ops_setting, queue_slots

INSPECT_TIMEOUT_S = 0.5  # per broadcast; the page asks twice (queues, running tasks)
JOULES_PER_KWH = 3.6e6
LIST_LIMIT = 50  # rows per job table: the page is a glance, the admin lists hold the rest


@dataclass
class Live:
    workers: list[dict[str, Any]] = field(default_factory=list)
    workers_error: str = ""
    queues: list[dict[str, Any]] = field(default_factory=list)
    broker_error: str = ""


def queue_names() -> list[str]:
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    return sorted({settings.CELERY_TASK_DEFAULT_QUEUE, *routed, *ops_setting("OPS_QUEUE_SLOTS")})


def workers_live(timeout: float = INSPECT_TIMEOUT_S) -> tuple[list[dict[str, Any]], str]:
    """Each worker that answered within `timeout`: its name, the queues it consumes and its running tasks."""
    try:
        inspect = current_app.control.inspect(timeout=timeout)
        queues, active = inspect.active_queues() or {}, inspect.active() or {}
    except Exception as exc:  # noqa: BLE001 - the page reports the broker's failure instead of failing
        return [], f"{type(exc).__name__}: {exc}"[:300]
    return [{"name": name, "queues": sorted(q["name"] for q in queues.get(name, [])),
             "active": len(active.get(name, []))} for name in sorted(set(queues) | set(active))], ""


def queues_live() -> tuple[list[dict[str, Any]], str]:
    """Messages in each broker queue, next to what the scheduler holds for it."""
    now = timezone.now()
    held: dict[str, dict[str, Any]] = {r["queue"]: dict(r) for r in ScheduledJob.objects.filter(
        state__in=[ScheduledState.WAITING, ScheduledState.RELEASED]).values("queue").annotate(
        released=Count("id", filter=Q(state=ScheduledState.RELEASED)),
        queued=Count("id", filter=Q(state=ScheduledState.WAITING, not_before__lte=now)),
        deferred=Count("id", filter=Q(state=ScheduledState.WAITING, not_before__gt=now)))}
    lengths, error = _broker_lengths(queue_names())
    rows = [{"name": q, "broker": lengths.get(q), "slots": queue_slots(q),
             **{k: held.get(q, {}).get(k, 0) for k in ("released", "queued", "deferred")}} for q in queue_names()]
    return rows, error


def _broker_lengths(names: list[str]) -> tuple[dict[str, int], str]:
    import redis

    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
        return {name: int(client.llen(name)) for name in names}, ""  # type: ignore[arg-type]  # sync client
    except Exception as exc:  # noqa: BLE001 - shown on the page
        return {}, f"{type(exc).__name__}: {exc}"[:300]


def live() -> Live:
    workers, workers_error = workers_live()
    queues, broker_error = queues_live()
    return Live(workers=workers, workers_error=workers_error, queues=queues, broker_error=broker_error)


def jobs(state: str) -> list[ScheduledJob]:
    order = "released_at" if state == ScheduledState.RELEASED else "not_before"
    return list(ScheduledJob.objects.filter(state=state).select_related("tenant").order_by(order, "id")[:LIST_LIMIT])


def _saved_grams() -> ExpressionWrapper:
    joules = Subquery(JobEnergy.objects.filter(ref_type=OuterRef("ref_type"), ref_id=OuterRef("ref_id"))
                      .values("joules")[:1])
    return ExpressionWrapper(joules / JOULES_PER_KWH * (F("intensity_at_submit") - F("intensity_at_run")),
                             output_field=FloatField())


def per_day(days: int = 14) -> list[dict[str, Any]]:
    """Energy (kWh), gCO2e and jobs per UTC day from JobEnergy, and the gCO2e that deferral saved: for each
    flexible job that ran, its energy times the intensity at submission minus the intensity when released."""
    since = timezone.now() - timedelta(days=days)
    measured = JobEnergy.objects.filter(started_at__gte=since)
    energy: dict[date, dict[str, Any]] = {r["day"]: dict(r) for r in measured.annotate(
        day=TruncDate("started_at")).values("day").annotate(
        joules=Sum("joules"), co2e=Sum("co2e_grams"), jobs=Count("id"),
        estimated=Count("id", filter=Q(estimated=True)))}
    saved: dict[date, dict[str, Any]] = {r["day"]: dict(r) for r in ScheduledJob.objects.filter(
        flexible=True, state=ScheduledState.FINISHED, finished_at__gte=since, intensity_at_submit__isnull=False,
        intensity_at_run__isnull=False).annotate(day=TruncDate("finished_at"), saved=_saved_grams()).values(
        "day").annotate(grams=Sum("saved"), deferred=Count("id"))}
    out = []
    for day in sorted(set(energy) | set(saved), reverse=True):
        e, s = energy.get(day, {}), saved.get(day, {})
        out.append({"day": day, "kwh": (e.get("joules") or 0.0) / JOULES_PER_KWH, "co2e_g": e.get("co2e") or 0.0,
                    "jobs": e.get("jobs", 0), "estimated": e.get("estimated", 0),
                    "saved_g": s.get("grams") or 0.0, "deferred": s.get("deferred", 0)})
    return out


def overview() -> dict[str, Any]:
    return {"live": live(), "running": jobs(ScheduledState.RELEASED), "deferred": jobs(ScheduledState.WAITING),
            "days": per_day(), "today": date.today()}
