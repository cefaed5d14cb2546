from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from apps.ops.models import JobEnergy


def forecast_file(path: Path, start: datetime, values: list[float], *, minutes: float = 60.0,
                  prices: list[int] | None = None) -> Path:
    """A Carbon Aware SDK-shaped forecast (location, timestamp, duration in minutes, value) from `start`."""
    points = [{"location": "local", "timestamp": (start + timedelta(minutes=minutes * i)).isoformat(),
               "duration": minutes, "value": value,
               **({"price_per_mwh_minor": prices[i]} if prices is not None else {})}
              for i, value in enumerate(values)]
    path.write_text(json.dumps(points))
    return path


def use_forecast(settings: Any, path: Path) -> None:
    settings.OPS_DEFAULT_REGION = "local"
    settings.OPS_CARBON_PROVIDERS = {"local": [{"kind": "file", "path": str(path)}]}


def measured(tenant: Any, *, kind: str, size: int, wall_s: float, ref_id: int, joules: float = 100.0,
             started_at: datetime | None = None) -> JobEnergy:
    """A JobEnergy row as a finished job would have written it."""
    started = started_at or timezone.now() - timedelta(seconds=wall_s)
    return JobEnergy.objects.create(
        tenant=tenant, kind=kind, queue="gpu", ref_type="lab.labjob", ref_id=ref_id, size=size,
        started_at=started, finished_at=started + timedelta(seconds=wall_s), wall_s=wall_s, cpu_s=wall_s,
        joules=joules, gpu_joules=None, source="model", estimated=True, region="local", gco2_per_kwh=400.0,
        carbon_source="static", price_per_mwh_minor=10_000, co2e_grams=joules / 3.6e6 * 400.0, ceu_charged=10,
        ceu_energy=1)
