"""What one /metrics scrape costs as measured work piles up.

    python benchmarks/metrics_scrape.py [--rows 10000,100000] [--repeats 5]

Fills `ops.JobEnergy` up to each size in `--rows` (one tenant, 12 kinds x 3 queues x 2 sources, wall times
spread over the histogram's buckets), then renders the exposition `--repeats` times through the same collector
the view uses and reports the median scrape time, the jobs source's share, and the body's size. Runs in its own
`<db>_bench` database (rows are append-only there too, so sizes only grow). Last line: one JSON object.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import _django  # noqa: E402

KINDS = [f"lab.kind{i}" for i in range(8)] + [f"capsule.kind{i}" for i in range(4)]
BATCH = 5_000  # rows per INSERT: large enough to fill 100k rows in seconds, small enough for a shared machine


def _fill(tenant: Any, target: int) -> int:
    from django.utils import timezone

    from apps.ops.models import JobEnergy

    have = JobEnergy.objects.count()
    rng, now = random.Random(have), timezone.now()
    while have < target:
        rows = []
        for k in range(min(BATCH, target - have)):
            wall = rng.lognormvariate(1.0, 1.6)
            joules = wall * rng.uniform(10, 300)
            rows.append(JobEnergy(
                tenant=tenant, kind=rng.choice(KINDS), queue=rng.choice(["gpu", "default", "web"]),
                ref_type="bench.work", ref_id=have + k, size=1000, started_at=now, finished_at=now, wall_s=wall,
                cpu_s=wall, joules=joules, gpu_joules=None, source=rng.choice(["model", "rapl"]), estimated=True,
                region="bench", gco2_per_kwh=400.0, carbon_source="static", price_per_mwh_minor=10_000,
                co2e_grams=joules / 3.6e6 * 400, ceu_charged=1000, ceu_energy=10))
        JobEnergy.objects.bulk_create(rows)
        have += len(rows)
    return have


def _scrape(repeats: int) -> dict[str, float]:
    from prometheus_client.parser import text_string_to_metric_families

    from apps.ops.metrics.collector import metrics_render

    times, jobs, size = [], [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        body, _ = metrics_render(accept="")
        times.append(time.perf_counter() - started)
        size = len(body)
        for family in text_string_to_metric_families(body.decode()):
            for s in family.samples:
                if s.name == "thermodynasty_metrics_source_duration_seconds" and s.labels["source"] == "jobs":
                    jobs.append(s.value)
    return {"scrape_ms": 1000 * statistics.median(times), "jobs_source_ms": 1000 * statistics.median(jobs),
            "body_kib": size / 1024}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="10000,100000")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    _django.setup()
    from apps.tenants.models import Tenant

    tenant, _ = Tenant.objects.get_or_create(slug="bench-metrics", defaults={"name": "bench-metrics",
                                                                             "kind": "enterprise"})
    results = []
    print(f"{'JobEnergy rows':>15} {'scrape ms':>10} {'jobs source ms':>15} {'body KiB':>9}")
    for target in sorted(int(n) for n in args.rows.split(",")):
        rows = _fill(tenant, target)
        figures = {"rows": rows, **_scrape(args.repeats)}
        results.append(figures)
        print(f"{rows:>15,} {figures['scrape_ms']:>10.1f} {figures['jobs_source_ms']:>15.1f} "
              f"{figures['body_kib']:>9.1f}")
    print(json.dumps({"benchmark": "metrics_scrape", "repeats": args.repeats, "results": results}))


if __name__ == "__main__":
    main()
