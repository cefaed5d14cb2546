"""JobEnergy rows at chosen times. The service (job_energy_record) stamps `finished_at` with now, so pages that
filter and chart by day get their history from here."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from apps.ops.models import JobEnergy


def job_energy(tenant: Any, *, ref_id: int, kind: str = "lab.diffusion2d", queue: str = "gpu",
               joules: float = 7_200.0, source: str = "model", finished_at: datetime | None = None,
               wall_s: float = 2.0, ceu_charged: int = 1_000, gco2_per_kwh: float = 400.0,
               ref_type: str = "") -> JobEnergy:
    finished = finished_at or timezone.now()
    return JobEnergy.objects.create(
        tenant=tenant, kind=kind, queue=queue, ref_type=ref_type or f"{kind.split('.', 1)[0]}.test", ref_id=ref_id,
        size=1_000,
        started_at=finished - timedelta(seconds=wall_s), finished_at=finished, wall_s=wall_s, cpu_s=wall_s * 0.9,
        joules=joules, gpu_joules=None, source=source, estimated=source.endswith("model"), region="test",
        gco2_per_kwh=gco2_per_kwh, carbon_source="static", price_per_mwh_minor=10_000,
        co2e_grams=joules / 3.6e6 * gco2_per_kwh, ceu_charged=ceu_charged, ceu_energy=min(ceu_charged, 10))
