from __future__ import annotations

import csv
import json
import math
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from apps.core.actors import Actor
from apps.signals import services
from apps.signals.models import Stream

ACTOR = Actor.system("test")
T0 = 1_700_000_000  # Unix seconds


def make_stream(tenant: Any, name: str = "cpu", kind: str = "numeric", window_size: int = 20) -> Stream:
    return services.stream_create(actor=ACTOR, tenant=tenant, name=name, kind=kind, units="%",
                                  window_size=window_size)


def wave(n: int, start: int = 0, spike_at: int | None = None) -> list[dict[str, float]]:
    return [{"t": T0 + 60 * (start + i),
             "v": 50 + 10 * math.sin((start + i) / 15) + (500 if start + i == spike_at else 0)}
            for i in range(n)]


def level_shift(n_before: int = 300, n_after: int = 300, low: float = 50.0, high: float = 80.0,
                sigma: float = 2.0, seed: int = 7, start: int = 0) -> list[dict[str, float]]:
    """Gaussian noise whose mean steps from `low` to `high` at row `n_before` (one minute apart)."""
    rng = random.Random(seed)
    return [{"t": T0 + 60 * (start + i), "v": (low if i < n_before else high) + rng.gauss(0, sigma)}
            for i in range(n_before + n_after)]


def noise_with_spike(n: int = 600, spike_at: int = 400, level: float = 50.0, sigma: float = 2.0,
                     spike: float = 60.0, seed: int = 11) -> list[dict[str, float]]:
    """Stationary Gaussian noise with one outlier: an anomaly, not a regime change."""
    rng = random.Random(seed)
    return [{"t": T0 + 60 * i, "v": level + rng.gauss(0, sigma) + (spike if i == spike_at else 0.0)}
            for i in range(n)]


def ingest_segmented(tenant: Any, stream: Stream, points: list[dict[str, float]], batch: int = 200) -> None:
    """Ingests in batches as a client would, runs the regime tracking each batch queues, then re-segments."""
    for k in range(0, len(points), batch):
        services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=points[k:k + batch])
        services.stream_regimes_track(stream_id=stream.pk)
    services.stream_regimes_refresh(stream_id=stream.pk)


def make_alert(stream: Stream, ts: Any, severity: str = "medium", status: str = "open", score: float = 0.8) -> Any:
    """An alert row as the detector leaves it (for list and workflow tests that need no ingestion)."""
    from datetime import timedelta

    from apps.signals.models import Alert

    return Alert.objects.create(tenant=stream.tenant, stream=stream, ts=ts, score=score, severity=severity,
                                status=status, explanation="energy rose 4 standard deviations",
                                window_start=ts - timedelta(minutes=20), window_end=ts)


NAB_DIR = Path(settings.BASE_DIR).parent / "shared/datasets/nab"
NAB_MACHINE_TEMPERATURE = "realKnownCause/machine_temperature_system_failure.csv"


def nab_series(name: str) -> tuple[list[dict[str, Any]], list[tuple[datetime, datetime]]]:
    """A NAB file's points (rows not after the last kept one dropped: ingest refuses time going backwards) and
    its labelled anomaly windows, both in UTC."""
    def utc(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    with (NAB_DIR / "data" / name).open() as handle:
        rows = [(utc(r["timestamp"]), float(r["value"])) for r in csv.DictReader(handle)]
    points: list[dict[str, Any]] = []
    last: datetime | None = None
    for ts, v in rows:
        if last is None or ts > last:
            points.append({"t": ts.isoformat(), "v": v})
            last = ts
    windows = json.loads((NAB_DIR / "labels/combined_windows.json").read_text())[name]
    return points, [(utc(a), utc(b)) for a, b in windows]
