"""Energy-aware scheduling benchmark: replays a job trace against a grid carbon-intensity series and reports
gCO2e and deadline misses for three policies, plus the cost of measuring a task's energy.

Usage: ``python benchmarks/ops.py [--jobs N] [--days D] [--seeds S] [--overhead-tasks T]``

Policies (no cap on concurrent jobs for any of them, so they differ only in *when* each job runs):
- ``at_once``: every job starts on arrival.
- ``ours``: what the product does (apps/ops/scheduling): the expected duration is the measured one with a
  fitting error (x lognormal, sigma 0.25, as a short history gives), the window is chosen on a *forecast*
  (the actual series plus an error growing with lead time, 5 % per 6 h, about what grid-forecast providers
  publish for day-ahead), and it must end ``OPS_DEADLINE_MARGIN - 1`` expected durations before the deadline
  (the slack kept for a retry). The job then runs for its actual duration from that start.
- ``optimum``: each job at its best window over the *actual* series with its actual duration
  (kernels/scheduling/offline.py): the lower bound.

The trace's shape. Arrivals follow a non-homogeneous Poisson process with a diurnal rate (busiest in the
working day, about 3x the night rate), and run times are log-normal (median 12 min, sigma 1.1, capped at 6 h):
the heavy-tailed, day-shaped batch load reported for the Google cluster traces (Reiss et al., "Heterogeneity
and dynamicity of clouds at scale", SoCC 2012; Tirmazi et al., "Borg: the next generation", EuroSys 2020) and
for Alibaba's 2018 batch trace (Guo et al., "Who limits the resource efficiency of my datacenter", SoCC
2019). Deadlines: the delay-tolerant share of work as in Wiesner et al., "Let's wait awhile: how temporal
workload shifting can reduce carbon emissions in the cloud" (Middleware 2021): each job may finish up to
1, 4, 8 or 24 hours after it could have at the earliest (equal shares).

The intensity series is synthetic (no public hourly series is reachable from the package registries this
project may use, nor in shared/datasets): a documented diurnal curve in gCO2e/kWh with a midday solar dip and
an evening peak, between about 180 and 520, plus day-to-day level changes and AR(1) noise at 15-minute
resolution. Energy per job is run time x 150 W (one busy gpu worker node share), the same for all policies.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kernels.scheduling import (  # noqa: E402
    Forecast,
    best_start,
    deadline_misses,
    emissions,
    offline_optimum,
)

STEP_S = 900.0  # 15-minute slots, the resolution grid-intensity providers publish
WATTS = 150.0
MARGIN = 2.0  # apps/ops/scheduling/conf.py OPS_DEADLINE_MARGIN
SLACK_HOURS = (1, 4, 8, 24)


def intensity_series(days: int, rng: np.random.Generator) -> Forecast:
    """gCO2e/kWh every 15 minutes: base 360, solar dip to ~-140 at 13:00, evening peak +120 at 19:00."""
    n = int(days * 86400 / STEP_S)
    hours = (np.arange(n) * STEP_S / 3600.0) % 24
    solar = -140.0 * np.exp(-((hours - 13.0) / 2.5) ** 2)
    evening = 120.0 * np.exp(-((hours - 19.0) / 1.8) ** 2)
    daily = np.repeat(rng.normal(0.0, 35.0, size=days + 1), int(86400 / STEP_S))[:n]
    noise = np.zeros(n)
    for i in range(1, n):
        noise[i] = 0.85 * noise[i - 1] + rng.normal(0.0, 12.0)
    values = np.clip(360.0 + solar + evening + daily + noise, 40.0, None)
    return Forecast.from_values(values, start=0.0, step=STEP_S)


@dataclass(frozen=True)
class Trace:
    arrivals: np.ndarray
    durations: np.ndarray
    deadlines: np.ndarray


def job_trace(jobs: int, days: int, rng: np.random.Generator) -> Trace:
    horizon = (days - 1) * 86400.0  # the last day stays free so every deadline lies inside the series
    candidates = np.sort(rng.uniform(0.0, horizon, size=jobs * 3))
    hour = (candidates / 3600.0) % 24
    rate = 1.0 + 2.0 * np.exp(-((hour - 14.0) / 4.0) ** 2)  # thinning: 3x busier mid-afternoon
    kept = candidates[rng.uniform(0.0, 3.0, size=candidates.size) < rate]
    arrivals = np.sort(rng.choice(kept, size=min(jobs, kept.size), replace=False))
    durations = np.minimum(np.exp(rng.normal(np.log(720.0), 1.1, size=arrivals.size)), 6 * 3600.0)
    slack = rng.choice(np.array(SLACK_HOURS, dtype=np.float64), size=arrivals.size) * 3600.0
    return Trace(arrivals=arrivals, durations=durations, deadlines=arrivals + durations * MARGIN + slack)


def forecast_seen_at(actual: Forecast, at: float, rng: np.random.Generator) -> Forecast:
    lead_h = np.maximum(actual.starts - at, 0.0) / 3600.0
    error = rng.normal(0.0, 1.0, size=actual.values.size) * 0.05 * (lead_h / 6.0) * actual.values
    return Forecast(starts=actual.starts, ends=actual.ends, values=np.clip(actual.values + error, 1.0, None))


def ours(actual: Forecast, trace: Trace, rng: np.random.Generator) -> np.ndarray:
    starts = np.empty_like(trace.arrivals)
    for i, (arrival, duration, deadline) in enumerate(zip(trace.arrivals, trace.durations, trace.deadlines,
                                                          strict=True)):
        expected = float(duration * np.exp(rng.normal(0.0, 0.25)))
        latest_end = deadline - expected * (MARGIN - 1.0)
        seen = forecast_seen_at(actual, float(arrival), rng)
        starts[i] = best_start(seen, duration_s=expected, earliest=float(arrival), deadline=latest_end).start
    return starts


def replay(jobs: int, days: int, seed: int) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(seed)
    actual = intensity_series(days, rng)
    trace = job_trace(jobs, days, rng)
    energy_kwh = trace.durations * WATTS / 3.6e6
    plans = {"at_once": trace.arrivals, "ours": ours(actual, trace, rng),
             "optimum": offline_optimum(actual, trace.arrivals, trace.durations, trace.deadlines)}
    return {name: {"kg_co2e": float(emissions(actual, starts, trace.durations, energy_kwh).sum() / 1000.0),
                   "deadline_misses": deadline_misses(starts, trace.durations, trace.deadlines),
                   "mean_delay_h": float(np.mean(starts - trace.arrivals) / 3600.0)}
            for name, starts in plans.items()}


def measurement_overhead(tasks: int) -> dict[str, object]:
    """Seconds that apps.ops.energy.measure() adds around a task (a 2 ms busy loop), median of `tasks`, and
    RAPL's figure against the power model's for the same work where RAPL is readable."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from _django import setup

    setup()
    from apps.ops.energy import measure

    def work() -> None:
        end = time.perf_counter() + 0.002
        while time.perf_counter() < end:
            pass

    bare, measured, sources = [], [], set()
    for _ in range(tasks):
        start = time.perf_counter()
        work()
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        with measure() as box:
            work()
        measured.append(time.perf_counter() - start)
        sources.add(box.result.source)
    return {"tasks": tasks, "bare_ms": statistics.median(bare) * 1e3,
            "measured_ms": statistics.median(measured) * 1e3,
            "overhead_ms": (statistics.median(measured) - statistics.median(bare)) * 1e3,
            "sources": sorted(sources), "rapl_vs_model": rapl_vs_model()}


def rapl_vs_model() -> dict[str, object]:
    from apps.ops.energy import measure

    with measure() as box:
        end = time.perf_counter() + 0.5
        while time.perf_counter() < end:
            pass
    result = box.result
    if result.source.startswith("rapl") or "rapl" in result.source.split("+"):
        return {"readable": True, "source": result.source, "joules": result.joules}
    return {"readable": False, "source": result.source, "joules_model": result.joules,
            "why": "/sys/class/powercap is not readable here (a container or VM without RAPL)"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--overhead-tasks", type=int, default=200)
    args = parser.parse_args()
    runs = [replay(args.jobs, args.days, seed) for seed in range(args.seeds)]
    table = {name: {key: statistics.mean(run[name][key] for run in runs) for key in runs[0][name]}
             for name in runs[0]}
    base = table["at_once"]["kg_co2e"]
    print(f"{args.jobs} jobs over {args.days} days, mean of {args.seeds} seeds (synthetic diurnal intensity)")
    print(f"{'policy':10s} {'kg CO2e':>10s} {'saved':>8s} {'misses':>8s} {'mean delay h':>13s}")
    for name, row in table.items():
        saved = 100.0 * (1.0 - row["kg_co2e"] / base)
        print(f"{name:10s} {row['kg_co2e']:10.2f} {saved:7.1f}% {row['deadline_misses']:8.1f} "
              f"{row['mean_delay_h']:13.2f}")
    overhead = measurement_overhead(args.overhead_tasks) if args.overhead_tasks else {}
    if overhead:
        print(f"measure(): {overhead['overhead_ms']:.3f} ms per task (median of {overhead['tasks']}, "
              f"bare {overhead['bare_ms']:.3f} ms), sources {overhead['sources']}; RAPL: {overhead['rapl_vs_model']}")
    print(json.dumps({"policies": table, "saved_pct_ours": 100.0 * (1.0 - table["ours"]["kg_co2e"] / base),
                      "saved_pct_optimum": 100.0 * (1.0 - table["optimum"]["kg_co2e"] / base),
                      "args": vars(args), "measurement": overhead}))


if __name__ == "__main__":
    main()
