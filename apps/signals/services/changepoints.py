"""The stateless change-point analysis partners pay for: validate, check the CEU, segment, then charge.

Order matters. A bad series is refused before anything is written; a tenant without the CEU is refused (402)
before the kernel runs; the charge is taken only once the kernel has produced a result, so a series the kernel
rejects costs nothing. The charge is a hold posted at once in one durable transaction with the audit row and the
analysis record (the shared charge path of lab jobs and capsule runs, so a balance spent concurrently since the
first check answers the same 402 `insufficient_ceu`). The series itself is not stored.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.ledger import selectors as ledger_selectors
from apps.ledger.services import hold_post_in_transaction
from apps.ledger.services.charges import (
    CEU,
    charge_hold_in_transaction,
    insufficient_ceu,
)
from apps.ledger.services.retry import with_retries
from apps.ops.carbon import CarbonPoint
from apps.ops.energy import Measurement, measure
from apps.ops.energy.records import carbon_for
from apps.ops.services import audit_record, job_energy_record
from apps.signals.errors import SignalErrorCode
from apps.signals.models import ChangepointAnalysis
from apps.signals.pricing import changepoint_price
from apps.signals.series import Series, series_parse
from apps.tenants.models import Tenant
from kernels.changepoint import Segmentation, SegmentConfig, segment

ENERGY_KIND = "signals.changepoints"  # JobEnergy.kind of a paid analysis
HOLD_TTL = timedelta(minutes=5)  # the hold is posted in the transaction that creates it; this only bounds it
_WORK, _REMEDY = "This analysis needs", "Buy CEU on the billing page, or send fewer points."


@dataclass(frozen=True)
class Energy:
    """The segmentation's measured energy, its start, and the grid then (looked up before the transaction)."""

    measurement: Measurement
    started_at: datetime
    carbon: CarbonPoint


@dataclass(frozen=True)
class Analysis:
    record: ChangepointAnalysis
    segmentation: Segmentation


def changepoints_quote(*, tenant: Tenant, points: int) -> tuple[int, int]:
    """(cost, available) in CEU minor units; raises 402 when the tenant cannot pay."""
    cost = changepoint_price(points)
    account = ledger_selectors.account_main(tenant=tenant, asset=CEU)
    available = account.available if account is not None else 0
    if cost > available:
        raise insufficient_ceu(cost, available, work=_WORK, remedy=_REMEDY)
    return cost, available


def _segment(series: Series) -> tuple[Segmentation, float, Measurement]:
    started = time.perf_counter()
    try:
        # A web request runs on one thread of a shared process: measure() counts this thread's CPU time only.
        with measure() as box:
            result = segment(series.values, series.timestamps,
                             SegmentConfig(model=series.model, penalty=series.penalty))
    except ValueError as exc:  # the kernel's own refusals are bad input, named as such
        raise ApplicationError(f"The series cannot be segmented: {exc}", code=SignalErrorCode.INVALID_SERIES,
                               extra={"fields": {"values": [str(exc)]}}) from exc
    assert box.result is not None  # measure() sets it on exit
    return result, 1000 * (time.perf_counter() - started), box.result


def _charge_in_transaction(*, actor: Actor, tenant: Tenant, series: Series, result: Segmentation, cost: int,
                           compute_ms: float, energy: Energy) -> ChangepointAnalysis:
    account = ledger_selectors.account_main(tenant=tenant, asset=CEU)
    if account is None:
        raise insufficient_ceu(cost, 0, work=_WORK, remedy=_REMEDY)
    record = ChangepointAnalysis(tenant=tenant, points=len(series.values), model=result.model,
                                 penalty=float(result.penalty), change_points=len(result.change_points),
                                 charged=cost, compute_ms=compute_ms)
    record.full_clean()
    record.save()
    hold = charge_hold_in_transaction(actor=actor, tenant=tenant, client_id=f"changepoints:{record.pk}",
                                      account_id=account.pk, amount=cost, expires_at=timezone.now() + HOLD_TTL,
                                      metadata={"changepoint_analysis": record.pk, "points": record.points},
                                      work=_WORK, remedy=_REMEDY)
    hold_post_in_transaction(actor=actor, tenant=tenant, hold_id=hold.pk,
                             metadata={"changepoint_analysis": record.pk})
    record.hold_id = hold.pk
    record.save(update_fields=["hold_id", "updated_at"])
    job_energy_record(tenant=tenant, kind=ENERGY_KIND, queue="web", ref_type=record._meta.label_lower,
                      ref_id=record.pk, size=record.points, measurement=energy.measurement,
                      started_at=energy.started_at, ceu_charged=cost, carbon=energy.carbon)
    audit_record(actor=actor, action="changepoints.analyse", obj=record, tenant_id=tenant.pk,
                 after={"points": record.points, "model": record.model, "change_points": record.change_points,
                        "charged": cost, "hold": hold.pk})
    return record


def changepoints_analyse(*, actor: Actor, tenant: Tenant, data: Any) -> Analysis:
    """Entry point (API): `data` is the request body. Costs changepoint_price(points) CEU minor units."""
    series = series_parse(data)
    cost, _ = changepoints_quote(tenant=tenant, points=len(series.values))
    started_at = timezone.now()
    result, compute_ms, measurement = _segment(series)
    energy = Energy(measurement, started_at, carbon_for(started_at))

    def attempt() -> ChangepointAnalysis:
        with transaction.atomic(durable=True):
            return _charge_in_transaction(actor=actor, tenant=tenant, series=series, result=result, cost=cost,
                                          compute_ms=compute_ms, energy=energy)

    return Analysis(record=with_retries(attempt), segmentation=result)
