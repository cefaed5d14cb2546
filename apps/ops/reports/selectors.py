"""Energy figures of measured work (ops.JobEnergy). The first argument, `tenants`, holds the ids the caller has
checked the viewer may see (itself, or a partner's clients: apps/portal/pages/energy.py); every query starts
from it, the way other selectors start from `tenant`."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from apps.ops.models import JobEnergy


@dataclass(frozen=True)
class EnergyQuery:
    start: datetime | None = None  # finished at or after
    end: datetime | None = None  # finished before
    kind: str = ""  # a full kind ("lab.diffusion2d"), a family ("capsule"), or "" for all


@dataclass(frozen=True)
class DayTotal:
    day: date
    jobs: int
    joules: float
    co2e_grams: float
    ceu_charged: int
    ceu_energy: int


@dataclass(frozen=True)
class EnergyTotals:
    jobs: int
    estimated_jobs: int
    joules: float
    co2e_grams: float
    ceu_charged: int
    ceu_energy: int


def _rows(*, tenants: tuple[int, ...], query: EnergyQuery) -> QuerySet[JobEnergy]:
    rows = JobEnergy.objects.filter(tenant_id__in=tenants)
    if query.start is not None:
        rows = rows.filter(finished_at__gte=query.start)
    if query.end is not None:
        rows = rows.filter(finished_at__lt=query.end)
    if query.kind:
        rows = rows.filter(Q(kind=query.kind) | Q(kind__startswith=f"{query.kind}."))
    return rows


def job_energy_list(*, tenants: tuple[int, ...], query: EnergyQuery,
                    before: tuple[datetime, int] | None = None) -> QuerySet[JobEnergy]:
    """Newest first by (finished_at, id), a unique and stable order, so `before` (the last row shown) pages."""
    rows = _rows(tenants=tenants, query=query)
    if before is not None:
        rows = rows.filter(Q(finished_at__lt=before[0]) | Q(finished_at=before[0], id__lt=before[1]))
    return rows.select_related("tenant").order_by("-finished_at", "-id")


def job_energy_daily(*, tenants: tuple[int, ...], query: EnergyQuery) -> list[DayTotal]:
    """Per UTC day, oldest first; days without work are absent."""
    rows = _rows(tenants=tenants, query=query).annotate(day=TruncDate("finished_at")).values("day") \
        .annotate(jobs=Count("id"), joules=Sum("joules"), co2e=Sum("co2e_grams"), ceu=Sum("ceu_charged"),
                  ceu_energy=Sum("ceu_energy")).order_by("day")
    return [DayTotal(day=r["day"], jobs=r["jobs"], joules=r["joules"] or 0.0, co2e_grams=r["co2e"] or 0.0,
                     ceu_charged=r["ceu"] or 0, ceu_energy=r["ceu_energy"] or 0) for r in rows]


def _sums() -> dict[str, Any]:
    """The aggregates behind EnergyTotals, for `aggregate` (all rows) or `annotate` (per group)."""
    return {"jobs": Count("id"), "estimated": Count("id", filter=Q(estimated=True)), "joules": Sum("joules"),
            "co2e": Sum("co2e_grams"), "ceu": Sum("ceu_charged"), "ceu_energy": Sum("ceu_energy")}


def _totals(r: Mapping[str, Any]) -> dict[str, Any]:
    """EnergyTotals' fields from one row of `_sums()` (a sum over no rows is NULL)."""
    return {"jobs": r["jobs"], "estimated_jobs": r["estimated"], "joules": r["joules"] or 0.0,
            "co2e_grams": r["co2e"] or 0.0, "ceu_charged": r["ceu"] or 0, "ceu_energy": r["ceu_energy"] or 0}


def job_energy_totals(*, tenants: tuple[int, ...], query: EnergyQuery) -> EnergyTotals:
    return EnergyTotals(**_totals(_rows(tenants=tenants, query=query).aggregate(**_sums())))


@dataclass(frozen=True)
class KindTotal(EnergyTotals):
    kind: str


def job_energy_by_kind(*, tenants: tuple[int, ...], query: EnergyQuery) -> list[KindTotal]:
    """Totals per kind of work (each capsule kind, each lab kind), the most energy first."""
    rows = _rows(tenants=tenants, query=query).values("kind").annotate(**_sums()).order_by("-joules", "kind")
    return [KindTotal(kind=r["kind"], **_totals(r)) for r in rows]


def job_energy_kinds(*, tenants: tuple[int, ...]) -> list[str]:
    return list(JobEnergy.objects.filter(tenant_id__in=tenants).values_list("kind", flat=True).distinct()
                .order_by("kind"))
