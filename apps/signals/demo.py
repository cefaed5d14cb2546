"""A demo stream with real history: NAB's machine-temperature series (a failing industrial machine), or a synthetic
daily cycle with an injected fault when the dataset is not beside the repository."""
from __future__ import annotations

import csv
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from apps.core.actors import Actor
from apps.signals import services
from apps.signals.models import Stream
from apps.tenants.models import Tenant

NAB_FILE = (Path(settings.BASE_DIR).parent
            / "shared/datasets/nab/data/realKnownCause/machine_temperature_system_failure.csv")
BATCH = 5000


def _nab_points() -> list[dict[str, Any]]:
    with NAB_FILE.open() as handle:
        rows = list(csv.DictReader(handle))
    points, last = [], None
    for r in rows:
        moment = datetime.fromisoformat(r["timestamp"]).replace(tzinfo=UTC)
        if last is not None and moment <= last:
            continue  # the file repeats an hour once; the API (rightly) refuses time going backwards
        points.append({"t": moment.isoformat(), "v": float(r["value"])})
        last = moment
    return points


def _synthetic_points() -> list[dict[str, Any]]:
    start = 1_700_000_000
    return [{"t": start + 300 * i, "v": 70 + 8 * math.sin(2 * math.pi * i / 288) + (25 if 5000 <= i < 5030 else 0)}
            for i in range(6000)]


def seed(tenants: dict[str, Tenant], stdout: Any) -> None:
    tenant = tenants["northwind"]
    stream = Stream.objects.filter(tenant=tenant, name="turbine-7 bearing temperature").first()
    if stream is not None and stream.point_count:
        return
    stream = stream or services.stream_create(
        actor=Actor.system("seed_demo"), tenant=tenant, name="turbine-7 bearing temperature", units="°F",
        asset_name="turbine-7", description="Machine temperature before a known failure (NAB realKnownCause).")
    points = _nab_points() if NAB_FILE.exists() else _synthetic_points()
    alerts = 0
    for start in range(0, len(points), BATCH):
        batch: list[object] = list(points[start:start + BATCH])
        result = services.points_ingest(actor=Actor.system("seed_demo"), tenant=tenant, stream_id=stream.pk,
                                        points=batch)
        alerts += len(result.alerts)
    stdout.write(f"  signals: demo stream with {len(points)} points and {alerts} alerts")
