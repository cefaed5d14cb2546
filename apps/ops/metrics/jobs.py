"""Energy, carbon and durations of measured work (ops.JobEnergy), summed in SQL at scrape time. Kinds
("lab.diffusion2d", "capsule.regime_monitor") and queues are the platform's own names, never a tenant's."""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.db.models import Count, Q, Sum
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric

from apps.ops.models import JobEnergy

# Seconds. Lab jobs span sub-second previews to the gpu queue's 50-minute limit; paid analyses are sub-second.
DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)

_SUMS = {  # family name, help, JobEnergy column
    "joules": ("thermodynasty_job_energy_joules", "Energy used by measured jobs (J); source says how it was "
               "measured, 'model' being estimated.", "joules"),
    "gpu_joules": ("thermodynasty_job_gpu_energy_joules", "The GPU part of the jobs' energy (J), from NVML.",
                   "gpu_joules"),
    "co2e": ("thermodynasty_job_co2e_grams", "CO2e of measured jobs (g): energy x grid intensity at run time.",
             "co2e_grams"),
    "cpu_s": ("thermodynasty_job_cpu_seconds", "CPU time of measured jobs (s).", "cpu_s"),
}


def _energy_families(rows: Sequence[Mapping[str, Any]]) -> Iterator[Metric]:
    for key, (name, doc, _) in _SUMS.items():
        family = CounterMetricFamily(name, doc, labels=["kind", "queue", "source"])
        for row in rows:
            family.add_metric([row["kind"], row["queue"], row["source"]], row[key] or 0.0)
        yield family


def _charge_families(rows: Sequence[Mapping[str, Any]]) -> Iterator[Metric]:
    charged = CounterMetricFamily("thermodynasty_job_ceu_charged", "CEU charged for measured jobs (minor units).",
                                  labels=["kind", "queue"])
    energy = CounterMetricFamily("thermodynasty_job_ceu_energy", "The part of that charge paying for energy "
                                 "(CEU minor units).", labels=["kind", "queue"])
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    for row in rows:
        key = (row["kind"], row["queue"])
        before = totals.get(key, (0, 0))
        totals[key] = (before[0] + (row["ceu"] or 0), before[1] + (row["ceu_energy"] or 0))
    for (kind, queue), (ceu, ceu_energy) in sorted(totals.items()):
        charged.add_metric([kind, queue], ceu)
        energy.add_metric([kind, queue], ceu_energy)
    yield charged
    yield energy


def _duration_family(rows: Sequence[Mapping[str, Any]]) -> Metric:
    """Cumulative buckets counted in SQL (the `le<i>` columns), summed here over sources."""
    family = HistogramMetricFamily("thermodynasty_job_duration_seconds", "Wall time of measured jobs.",
                                   labels=["kind", "queue"])
    merged: dict[tuple[str, str], list[float]] = {}
    for row in rows:
        figures = [row[f"le{i}"] for i in range(len(DURATION_BUCKETS))] + [row["n"], row["wall_total"] or 0.0]
        total = merged.setdefault((row["kind"], row["queue"]), [0.0] * len(figures))
        total[:] = [a + b for a, b in zip(total, figures, strict=True)]
    for (kind, queue), figures in sorted(merged.items()):
        cumulative = [(str(bound), figures[i]) for i, bound in enumerate(DURATION_BUCKETS)]
        family.add_metric([kind, queue], cumulative + [("+Inf", figures[-2])], figures[-1])
    return family


def job_metrics() -> Iterator[Metric]:
    # One pass over the table for every family: it is the scrape's largest read (benchmarks/metrics_scrape.py).
    buckets = {f"le{i}": Count("id", filter=Q(wall_s__lte=bound)) for i, bound in enumerate(DURATION_BUCKETS)}
    rows: list[Mapping[str, Any]] = list(JobEnergy.objects.values("kind", "queue", "source").annotate(
        joules=Sum("joules"), gpu_joules=Sum("gpu_joules"), co2e=Sum("co2e_grams"), cpu_s=Sum("cpu_s"),
        ceu=Sum("ceu_charged"), ceu_energy=Sum("ceu_energy"), n=Count("id"), wall_total=Sum("wall_s"), **buckets)
        .order_by("kind", "queue", "source"))
    yield from _energy_families(rows)
    yield from _charge_families(rows)
    yield _duration_family(rows)
