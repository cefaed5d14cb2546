"""JobEnergy rows: written by the unit of work's own completion transaction, and read back as the energy part
of its price (API bodies, pages)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from apps.ops.carbon import CarbonPoint, intensity_at
from apps.ops.energy.pricing import co2e_grams, energy_ceu, energy_share
from apps.ops.energy.sampler import Measurement
from apps.ops.models import EnergyProfile, JobEnergy

PROFILE_UPSERT = """
INSERT INTO ops_energyprofile (kind, samples, size_total, joules_total, wall_s_total, cpu_s_total, updated_at)
VALUES (%s, 1, %s, %s, %s, %s, now())
ON CONFLICT (kind) DO UPDATE SET samples = ops_energyprofile.samples + 1,
  size_total = ops_energyprofile.size_total + EXCLUDED.size_total,
  joules_total = ops_energyprofile.joules_total + EXCLUDED.joules_total,
  wall_s_total = ops_energyprofile.wall_s_total + EXCLUDED.wall_s_total,
  cpu_s_total = ops_energyprofile.cpu_s_total + EXCLUDED.cpu_s_total, updated_at = now()
"""


def carbon_for(started_at: datetime, region: str | None = None) -> CarbonPoint:
    """The intensity for a unit of work that started at `started_at` in the workers' region; look it up before
    the completion transaction where you can (an HTTP provider may be slow), and pass it in."""
    return intensity_at(region or settings.OPS_DEFAULT_REGION, started_at)


def job_energy_record(*, tenant: models.Model | int, kind: str, queue: str, ref_type: str, ref_id: int, size: int,
                      measurement: Measurement, started_at: datetime, ceu_charged: int,
                      carbon: CarbonPoint | None = None, region: str | None = None) -> JobEnergy:
    """Records a unit of work's energy inside its completion transaction; a repeated completion (a retried
    settlement) returns the row already there. `carbon` defaults to the intensity at `started_at`."""
    assert transaction.get_connection().in_atomic_block, "energy rows belong in the work's completion transaction"
    existing = JobEnergy.objects.filter(ref_type=ref_type, ref_id=ref_id).first()
    if existing is not None:
        return existing
    region = region or settings.OPS_DEFAULT_REGION
    carbon = carbon or carbon_for(started_at, region)
    price = carbon.price_per_mwh_minor
    price = settings.OPS_ENERGY_DEFAULT_PRICE_PER_MWH_MINOR if price is None else price
    m = measurement
    row = JobEnergy(
        tenant_id=tenant if isinstance(tenant, int) else tenant.pk, kind=kind, queue=queue, ref_type=ref_type,
        ref_id=ref_id, size=max(0, int(size)), started_at=started_at, finished_at=timezone.now(),
        wall_s=m.wall_s, cpu_s=m.cpu_s, joules=m.joules, gpu_joules=m.gpu_joules, source=m.source,
        estimated=m.estimated, region=region, gco2_per_kwh=carbon.gco2_per_kwh, carbon_source=carbon.source[:120],
        price_per_mwh_minor=price, co2e_grams=co2e_grams(m.joules, carbon.gco2_per_kwh), ceu_charged=ceu_charged,
        ceu_energy=energy_ceu(m.joules, price, cap=max(0, ceu_charged)))
    row.full_clean(validate_constraints=False)
    row.save()
    if row.size > 0:  # work of no size (a failed job) would inflate the joules per unit of size
        with connection.cursor() as cursor:
            cursor.execute(PROFILE_UPSERT, [kind, float(row.size), m.joules, m.wall_s, m.cpu_s])
    return row


@dataclass(frozen=True)
class EnergyEstimate:
    """What a job of `size` is expected to use, from the measured history of its kind (`samples` jobs). Its
    duration is not here: the scheduler's fit (apps.ops.scheduling.expected_seconds) is the one estimate of it."""

    joules: float
    ceu_energy: int
    samples: int
    energy_share: float | None


def energy_estimate(*, kind: str, size: int | None, cost: int | None) -> EnergyEstimate | None:
    """None before any job of the kind was measured (a quote then shows no energy part rather than a guess).
    `size` None: a typical job of the kind (the measured average size); `cost` None: no cap and no share."""
    profile = EnergyProfile.objects.filter(kind=kind).first()
    if profile is None or profile.samples == 0:
        return None
    if size is None:
        size = round(profile.size_total / profile.samples)
    per_unit = profile.size_total > 0
    joules = profile.joules_total * (size / profile.size_total if per_unit else 1 / profile.samples)
    carbon = carbon_for(timezone.now())
    price = carbon.price_per_mwh_minor
    price = settings.OPS_ENERGY_DEFAULT_PRICE_PER_MWH_MINOR if price is None else price
    return EnergyEstimate(joules=joules, samples=profile.samples,
                          ceu_energy=energy_ceu(joules, price, cap=None if cost is None else max(0, cost)),
                          energy_share=None if cost is None else energy_share(joules, price, cost))


def energy_body(row: JobEnergy | None) -> dict[str, Any] | None:
    """The energy block of an API body or page for one unit of work (None while it has not finished)."""
    if row is None:
        return None
    return {"joules": row.joules, "gpu_joules": row.gpu_joules, "source": row.source, "estimated": row.estimated,
            "wall_s": row.wall_s, "cpu_s": row.cpu_s, "region": row.region, "gco2_per_kwh": row.gco2_per_kwh,
            "carbon_source": row.carbon_source, "co2e_grams": row.co2e_grams, "ceu_charged": row.ceu_charged,
            "ceu_energy": row.ceu_energy,
            "energy_share": energy_share(row.joules, row.price_per_mwh_minor, row.ceu_charged)}


def job_energy_get(*, tenant: models.Model | int, ref_type: str, ref_id: int) -> JobEnergy | None:
    """The tenant's row for one unit of work (None while the work has not finished, or for another tenant's)."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    return JobEnergy.objects.filter(tenant_id=tenant_id, ref_type=ref_type, ref_id=ref_id).first()


def energy_view(*, tenant: models.Model | int, ref_type: str, ref_id: int) -> dict[str, Any] | None:
    """energy_body plus what a page shows: the energy share in percent and the grams as a readable figure."""
    body = energy_body(job_energy_get(tenant=tenant, ref_type=ref_type, ref_id=ref_id))
    if body is not None:
        share = body["energy_share"]
        body["share_percent"] = None if share is None else share * 100
    return body
