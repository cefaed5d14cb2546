"""The Lab's learned models: next-vector prediction (NVP) and the window diffusion forecaster.

Usage: ``python benchmarks/nvp.py [--threads 1] [--quick] [--no-nab]``

(a) NVP: trains ``small_config`` on linear diffusion and on Gray-Scott (data simulated by
    ``kernels.pde``), then scores it on held-out trajectories next to persistence, linear
    extrapolation and the engine itself: "solver 1 step" is one engine step per frame with the
    scheme the NVP prior uses (explicit for diffusion, ETD1 for Gray-Scott), "solver fine" is the
    engine with several smaller steps per frame. Reports training time and per-frame latency.
(b) Diffusion forecaster: trains on synthetic seasonal + AR noise + regime telemetry (and, when the
    file is there, NAB's nyc_taxi aggregated to hours), calibrates the sample spread on a
    calibration split (split conformal), and scores CRPS, energy score and 90 % coverage on a
    test split next to seasonal naive with empirical residual quantiles.
Threads are pinned (printed); the last line printed is one JSON object with all figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")

import torch  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kernels import generative as gen  # noqa: E402
from kernels import next_vector as nvp  # noqa: E402
from kernels.next_vector.evaluate import Predictor  # noqa: E402

NAB_TAXI = Path("/work/shared/datasets/nab/data/realKnownCause/nyc_taxi.csv")
HORIZONS = (10, 50)
TEST_TRAJECTORIES = 6
SYNTHETIC_SEEDS = (0, 1, 2)
SAMPLES = 100  # forecast draws per window: CRPS estimator noise ~1 % at this size
COLUMNS = ["nrmse", "nrmse_10", "nrmse_50", "crmse", "crmse_50", "band_low", "band_mid", "band_high",
           "entropy_coherence"]


def median_latency(predict: Predictor, history: torch.Tensor, repeats: int = 15) -> float:
    """Median seconds per call on one history (batch 1), after one warm-up call."""
    with torch.no_grad():
        predict(history)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            predict(history)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def predictors(kind: str, config: nvp.NVPConfig, model: nvp.NVPNet) -> dict[str, Predictor]:
    spec = config.problem
    if kind == "diffusion":
        fine = ("solver fine (explicit dt/4, 4 steps/frame)", spec.frame_dt / 4, "explicit")
        coarse = ("solver 1 step (explicit = NVP prior)", spec.frame_dt, "explicit")
    else:
        fine = ("solver fine (explicit dt=1, 10 steps/frame)", spec.frame_dt / 10, "explicit")
        coarse = ("solver 1 step (ETD1 = NVP prior)", spec.frame_dt, "spectral")
    return {
        "NVP": model,
        "persistence": nvp.persistence,
        "linear extrapolation": nvp.linear_extrapolation,
        coarse[0]: nvp.engine_predictor(spec, coarse[1], coarse[2]),
        fine[0]: nvp.engine_predictor(spec, fine[1], fine[2]),
    }


def print_table(title: str, rows: dict[str, dict[str, float]], columns: list[str]) -> None:
    print(f"\n{title}")
    print(f"  {'predictor':44s}" + "".join(f"{c:>12s}" for c in columns))
    for name, row in rows.items():
        print(f"  {name:44s}" + "".join(f"{row[c]:12.3e}" for c in columns))


def nvp_case(kind: str, quick: bool) -> dict:
    config = nvp.small_config(kind)
    if quick:
        config = replace(config, train=replace(config.train, steps=200), data=replace(config.data, n_train=8))
    started = time.perf_counter()
    result = nvp.train(config, torch.Generator().manual_seed(0))
    train_s = time.perf_counter() - started
    k = config.model.history
    test = nvp.generate_trajectories(config.problem, config.data, TEST_TRAJECTORIES,
                                     torch.Generator().manual_seed(1234),
                                     frames=k + max(HORIZONS))
    blob = nvp.save_model(result.model, result.meta)
    model, _ = nvp.load_model(blob)
    rows, latency = {}, {}
    for name, predict in predictors(kind, config, model).items():
        rows[name] = nvp.evaluate(predict, test.fields, k, HORIZONS)
        latency[name] = median_latency(predict, test.fields[:1, :k])
    with torch.no_grad():
        windows = test.fields[:, : k + 1]
        reference = windows[:, k - 1] if kind == "diffusion" else nvp.prior_step(windows[:, k - 1], config.problem)
        drift = float(nvp.conservation_error(model(windows[:, :k]), reference).max())
    for name in rows:
        rows[name]["latency_ms"] = 1e3 * latency[name]
    print_table(f"(a) NVP on {kind}, {config.problem.shape} grid, frame dt {config.problem.frame_dt:g}, "
                f"{TEST_TRAJECTORIES} held-out trajectories; trained {train_s:.1f} s "
                f"({config.train.steps} steps), artefact {len(blob) / 1024:.0f} KiB", rows, COLUMNS + ["latency_ms"])
    ours, held, solver = rows["NVP"], rows["persistence"], next(v for n, v in rows.items() if n.startswith("solver 1"))
    goals = {"one_step_le_1e-3": ours["nrmse"] <= 1e-3,
             "one_step_le_0.1_persistence": ours["nrmse"] <= 0.1 * held["nrmse"]}
    print(f"  NVP/persistence one-step nRMSE {ours['nrmse'] / held['nrmse']:.3g}, NVP/solver-1-step "
          f"{ours['nrmse'] / solver['nrmse']:.3g}; conservation error (vs {'u_t' if kind == 'diffusion' else 'prior'}) "
          f"max {drift:.1e}; goals {goals}")
    return {"train_s": train_s, "steps": config.train.steps, "artefact_bytes": len(blob), "metrics": rows,
            "conservation_error_max": drift, "ratio_to_persistence": ours["nrmse"] / held["nrmse"],
            "ratio_to_solver_1_step": ours["nrmse"] / solver["nrmse"], "goals": goals}


def splits(series: torch.Tensor, config: gen.ForecastConfig) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """60 / 20 / 20 % chronological train / calibration / test windows.

    Training uses every offset; calibration and test windows start every ``n / 2500`` points
    (~500 windows each), which bounds sampling time while covering the whole split.
    """
    n = series.numel()
    a, b, stride = int(0.6 * n), int(0.8 * n), max(1, n // 2500)
    return {"train": gen.windows_from_series(series[:a], config.context, config.window),
            "cal": gen.windows_from_series(series[a:b], config.context, config.window, stride=stride),
            "test": gen.windows_from_series(series[b:], config.context, config.window, stride=stride)}


def score(samples: torch.Tensor, observed: torch.Tensor) -> dict[str, float]:
    lo, hi = gen.interval(samples, 0.9)
    return {"crps": float(gen.crps(samples, observed).mean()),
            "energy": float(gen.energy_score(samples, observed).mean()),
            "coverage90": float(gen.coverage(lo, hi, observed)), "width90": float((hi - lo).mean())}


def forecast_case(name: str, series: torch.Tensor, period: int, config: gen.ForecastConfig) -> dict:
    data = splits(series, config)
    rng = torch.Generator().manual_seed(7)
    started = time.perf_counter()
    model = gen.train_forecaster(*data["train"], config, rng).model
    train_s = time.perf_counter() - started
    started = time.perf_counter()
    raw = gen.forecast(model, data["test"][0], SAMPLES, rng)
    sample_s = time.perf_counter() - started
    factor = gen.conformal_spread(gen.forecast(model, data["cal"][0], SAMPLES, rng), data["cal"][1])
    naive = gen.fit_seasonal_naive(*data["train"], period)
    y = data["test"][1].to(torch.float64)
    rows = {"diffusion (raw samples)": score(raw, y),
            "diffusion (conformal spread)": score(gen.apply_spread(raw, factor), y),
            "seasonal naive + residual quantiles":
                score(gen.seasonal_naive_samples(naive, data["test"][0], SAMPLES, rng), y)}
    print_table(f"(b) diffusion forecaster on {name}: {series.numel()} points, window {config.window}, context "
                f"{config.context}, {len(y)} test windows x {SAMPLES} samples; trained {train_s:.1f} s, sampled "
                f"{sample_s:.1f} s; spread factor median {float(factor.median()):.2f}", rows,
                ["crps", "energy", "coverage90", "width90"])
    ours, peer = rows["diffusion (conformal spread)"], rows["seasonal naive + residual quantiles"]
    goals = {"coverage_90_pm_3": abs(ours["coverage90"] - 0.9) <= 0.03,
             "crps_beats_seasonal_naive": ours["crps"] < peer["crps"]}
    print(f"  CRPS ratio to seasonal naive {ours['crps'] / peer['crps']:.3f}; goals {goals}")
    return {"train_s": train_s, "sample_s": sample_s, "spread_factor_median": float(factor.median()), "metrics": rows,
            "crps_ratio_to_seasonal_naive": ours["crps"] / peer["crps"], "goals": goals}


def nab_taxi_hourly(path: Path = NAB_TAXI) -> torch.Tensor | None:
    """NAB nyc_taxi (30-minute passenger counts) averaged to hours, or None when the file is absent."""
    if not path.exists():
        return None
    with path.open() as handle:
        values = [float(row["value"]) for row in csv.DictReader(handle)]
    series = torch.tensor(values[: len(values) // 2 * 2], dtype=torch.float64)
    return series.reshape(-1, 2).mean(dim=1)


def finite_or_none(value: object) -> object:
    """JSON has no NaN: a diverged rollout's figures become null."""
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def nvp_section(quick: bool = False, threads: int = 1, nab: bool = True) -> dict:
    """Run both parts, print their tables and return the figures (what ``benchmarks/lab.py`` embeds).

    Takes ~5 min on one thread (``quick``: ~40 s, smoke-test figures only); the caller's torch
    thread count is restored afterwards.
    """
    before = torch.get_num_threads()
    try:
        return _run(quick, threads, nab)
    finally:
        torch.set_num_threads(before)


def _run(quick: bool, threads: int, nab: bool) -> dict:
    torch.set_num_threads(threads)
    print(f"\nNVP / generative benchmark: torch {torch.__version__}, torch threads {torch.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    out: dict = {"threads": torch.get_num_threads(), "nvp": {}, "forecast": {}}
    for kind in ("diffusion", "gray_scott"):
        out["nvp"][kind] = nvp_case(kind, quick)
    config = gen.ForecastConfig(steps=500) if quick else gen.ForecastConfig()
    # several independent series: one series' test split holds only ~13 regimes, so its coverage
    # alone moves by a few points from seed to seed
    for seed in SYNTHETIC_SEEDS[:1] if quick else SYNTHETIC_SEEDS:
        series = gen.synthetic_telemetry(6000 if quick else 40000, torch.Generator().manual_seed(seed))
        out["forecast"][f"synthetic_seed{seed}"] = forecast_case(f"synthetic telemetry seed {seed} (period 24)",
                                                                series, 24, config)
    taxi = nab_taxi_hourly() if nab else None
    if taxi is not None:
        out["forecast"]["nab_nyc_taxi_hourly"] = forecast_case("NAB nyc_taxi, hourly (period 24)", taxi, 24, config)
    out["load_average_end"] = os.getloadavg()[0]
    return finite_or_none(out)  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is steadier on a shared box)")
    parser.add_argument("--quick", action="store_true", help="short training runs (smoke test, not the figures)")
    parser.add_argument("--no-nab", action="store_true", help="skip the NAB nyc_taxi forecasting case")
    args = parser.parse_args()
    figures = nvp_section(quick=args.quick, threads=args.threads, nab=not args.no_nab)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
