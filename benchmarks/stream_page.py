"""Stream page charts: min/max per time bucket in SQL against reading every point of the range.

    python benchmarks/stream_page.py [--sizes 100000 1000000] [--repeat 3]

For each size, one stream gets that many one-second points (written by generate_series, not the ingest pipeline,
whose cost is benchmarks/signals.py's subject). Timed: `point_buckets` over the whole range in 1,000 buckets (what
the page reads), against the peer of fetching every (ts, value, score) row of that range (what a page drawing every
point reads); also the value series' JSON size either way. Medians of `--repeat` runs. Last line: one JSON object.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import _django  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
BUCKETS = 1000


def _stream(size: int) -> Any:
    from django.db import connection

    from apps.signals.models import Point, Stream
    from apps.tenants.models import Tenant

    tenant, _ = Tenant.objects.get_or_create(slug="bench-stream-page", defaults={"name": "Bench", "kind": "enterprise"})
    stream, _ = Stream.objects.get_or_create(tenant=tenant, name=f"seconds-{size}")
    if Point.objects.filter(stream_id=stream.pk).count() != size:
        Point.objects.filter(stream_id=stream.pk).delete()
        with connection.cursor() as cursor:
            end = START + timedelta(seconds=size)
            cursor.execute("SELECT signals_ensure_partition(m::date) FROM generate_series(%s::date, %s::date, "
                           "'1 month') AS m", [START.date(), end.date()])
            cursor.execute("INSERT INTO signals_point (stream_id, tenant_id, ts, value, symbol, score, alarm) "
                           "SELECT %s, %s, %s + i * interval '1 second', sin(i / 600.0) + random(), '', random(), "
                           "false FROM generate_series(0, %s - 1) AS i", [stream.pk, tenant.pk, START, size])
            cursor.execute("ANALYZE signals_point")
    return tenant, stream


def _median_ms(run: Any, repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times), result


def measure(size: int, repeat: int) -> dict[str, Any]:
    from apps.portal.pages.stream_charts import _series
    from apps.signals import selectors

    tenant, stream = _stream(size)
    end = START + timedelta(seconds=size)
    bucketed_ms, buckets = _median_ms(lambda: selectors.point_buckets(
        tenant=tenant, stream_id=stream.pk, start=START, end=end, buckets=BUCKETS), repeat)
    every_ms, rows = _median_ms(lambda: list(selectors.point_list(tenant=tenant, stream_id=stream.pk, start=START,
                                                                   end=end).values_list("ts", "value", "score")),
                                repeat)
    raw = [[int(t.timestamp() * 1000), v] for t, v, _ in rows]
    return {"points": size, "buckets": len(buckets), "bucketed_ms": round(bucketed_ms, 1),
            "every_point_ms": round(every_ms, 1),
            "bucketed_json_kb": round(len(json.dumps(_series(buckets, 0))) / 1024),
            "every_point_json_kb": round(len(json.dumps(raw)) / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    _django.setup()
    from apps.tenants import rls

    results = []
    with rls.system_context(reason="the benchmark seeds and reads its own tenants' streams"):
        for size in args.sizes:
            results.append(measure(size, args.repeat))
    print(f"{'points':>10} {'buckets':>8} {'bucketed ms':>12} {'every point ms':>15} {'bucketed KB':>12} "
          f"{'every point KB':>15}")
    for r in results:
        print(f"{r['points']:>10} {r['buckets']:>8} {r['bucketed_ms']:>12} {r['every_point_ms']:>15} "
              f"{r['bucketed_json_kb']:>12} {r['every_point_json_kb']:>15}")
    print(json.dumps({"benchmark": "stream_page", "results": results}))


if __name__ == "__main__":
    main()
