"""NAB benchmark: run the regime detector over the 58 NAB files and score it like NAB v1.1.

Usage: ``python benchmarks/nab.py [--data PATH] [--out DIR] [--detector NAME]``

Loads ``data/**/*.csv`` and ``labels/combined_windows.json`` from the NAB copy (default
``../shared/datasets/nab`` relative to the repo root), streams every file through
``kernels.regime.detect_stream`` with ONE parameter set, writes detections in NAB's results
layout (``<out>/results/<detector>/<group>/<detector>_<file>.csv``), optimises one threshold
per profile over the whole corpus and prints our normalised scores beside the published
scoreboard. The last printed line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kernels.nab import PROFILES, ProfileResult, file_sweep, normalise, score_corpus, window_indices  # noqa: E402
from kernels.regime import DetectorConfig, detect_stream  # noqa: E402

# Published NAB v1.1 scoreboard (standard, reward_low_FP_rate, reward_low_FN_rate), from the
# "Scoreboard" table of https://github.com/numenta/NAB README.md (v1.1). Numenta HTM is listed
# there as a range over runs; we show the upper end.
SCOREBOARD: dict[str, tuple[float, float, float]] = {
    "Perfect": (100.0, 100.0, 100.0),
    "ARTime": (74.9, 65.1, 80.4),
    "Numenta HTM": (70.5, 62.6, 75.2),
    "CAD OSE": (69.9, 67.0, 73.2),
    "earthgecko Skyline": (58.2, 46.2, 63.9),
    "KNN CAD": (58.0, 43.4, 64.8),
    "Relative Entropy": (54.6, 47.6, 58.8),
    "Random Cut Forest": (51.7, 38.4, 59.7),
    "Twitter ADVec": (47.1, 33.6, 53.5),
    "Windowed Gaussian": (39.6, 20.9, 47.4),
    "Etsy Skyline": (35.7, 27.1, 44.5),
    "Bayesian Changepoint": (17.7, 3.2, 32.2),
    "EXPoSE": (16.4, 3.2, 26.9),
    "Random": (11.0, 1.2, 19.5),
    "Null": (0.0, 0.0, 0.0),
}
PROFILE_ORDER = ("standard", "reward_low_FP_rate", "reward_low_FN_rate")


@dataclass(frozen=True)
class NabFile:
    """One NAB data file: ``relpath`` is ``<group>/<file>.csv`` as in the label JSON."""

    relpath: str
    timestamps: np.ndarray
    values: np.ndarray
    bounds: np.ndarray
    raw_timestamps: tuple[str, ...]

    @property
    def group(self) -> str:
        return self.relpath.split("/")[0]


def read_series(path: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(timestamps datetime64[s], values float64, raw timestamp strings) of a NAB CSV."""
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    raw = [r["timestamp"] for r in rows]
    stamps = np.array([s.replace(" ", "T") for s in raw], dtype="datetime64[s]")
    return stamps, np.array([float(r["value"]) for r in rows]), raw


def load_corpus(data_dir: Path) -> list[NabFile]:
    """Every file listed in ``labels/combined_windows.json``, with its windows as row bounds."""
    windows = json.loads((data_dir / "labels" / "combined_windows.json").read_text())
    files = []
    for relpath in sorted(windows):
        stamps, values, raw = read_series(data_dir / "data" / relpath)
        edges = np.array([[s.replace(" ", "T") for s in w] for w in windows[relpath]], dtype="datetime64[us]")
        bounds = window_indices(stamps, edges.reshape(-1, 2)) if edges.size else np.zeros((0, 2), np.int64)
        files.append(NabFile(relpath, stamps, values, bounds, tuple(raw)))
    return files


def run_detector(files: list[NabFile], config: DetectorConfig) -> tuple[list[np.ndarray], float]:
    """Anomaly scores per file and the streaming throughput in points per second."""
    start = time.perf_counter()
    scores = [detect_stream(f.values, f.timestamps.astype(np.int64).astype(np.float64), config).scores for f in files]
    elapsed = time.perf_counter() - start
    return scores, sum(f.values.size for f in files) / elapsed


def score_all(files: list[NabFile], scores: list[np.ndarray]) -> dict[str, ProfileResult]:
    """NAB results for the three profiles, thresholds optimised over the corpus."""
    sweeps = [file_sweep(f.values.size, f.bounds) for f in files]
    return {name: score_corpus(scores, sweeps, PROFILES[name]) for name in PROFILE_ORDER}


def group_scores(files: list[NabFile], results: dict[str, ProfileResult]) -> dict[str, dict[str, float]]:
    """Per group and profile: normalised score at the corpus threshold (raw when the group has no window)."""
    out: dict[str, dict[str, float]] = {}
    for group in sorted({f.group for f in files}):
        mask = np.array([f.group == group for f in files])
        n_windows = sum(f.bounds.shape[0] for f in files if f.group == group)
        row = {}
        for name, res in results.items():
            raw, null = float(res.file_scores[mask].sum()), float(res.file_null[mask].sum())
            perfect = n_windows * PROFILES[name].tp_weight
            row[name] = round(normalise(raw, null, perfect) if n_windows else raw, 2)
        out[group] = row
    return out


def detection_counts(files: list[NabFile], scores: list[np.ndarray], threshold: float) -> tuple[int, int]:
    """(windows with a scored detection, scored detections outside every window) at ``threshold``."""
    hits = false_positives = 0
    for f, score in zip(files, scores, strict=True):
        sweep = file_sweep(f.values.size, f.bounds)
        detected = (score >= threshold) & (sweep.window != -2)
        hits += np.unique(sweep.window[detected & (sweep.window >= 0)]).size
        false_positives += int(np.count_nonzero(detected & (sweep.window == -1)))
    return hits, false_positives


def write_results(out: Path, detector: str, files: list[NabFile], scores: list[np.ndarray]) -> None:
    """NAB results layout: ``results/<detector>/<group>/<detector>_<file>.csv``."""
    for f, score in zip(files, scores, strict=True):
        group, name = f.relpath.split("/")
        target = out / "results" / detector / group / f"{detector}_{name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        label = np.zeros(f.values.size, dtype=np.int64)
        for left, right in f.bounds:
            label[left : right + 1] = 1
        with target.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["timestamp", "value", "anomaly_score", "label"])
            for row in zip(f.raw_timestamps, f.values.tolist(), score.tolist(), label.tolist(), strict=True):
                writer.writerow([row[0], repr(row[1]), repr(row[2]), row[3]])


def print_board(results: dict[str, ProfileResult], detector: str) -> None:
    """Our three normalised scores slotted into the published scoreboard."""
    ours = tuple(round(results[p].normalised, 1) for p in PROFILE_ORDER)
    board = sorted([*SCOREBOARD.items(), (f"{detector} (ours)", ours)], key=lambda kv: -kv[1][0])
    print(f"{'detector':<28}{'standard':>10}{'low FP':>10}{'low FN':>10}")
    for name, (std, lfp, lfn) in board:
        print(f"{name:<28}{std:>10.1f}{lfp:>10.1f}{lfn:>10.1f}")


def print_summary(files: list[NabFile], scores: list[np.ndarray], results: dict[str, ProfileResult]) -> dict:
    """Detection counts and per-group table; returns the counts and groups for the JSON line."""
    hits, false_positives = detection_counts(files, scores, results["standard"].threshold)
    n_windows = sum(f.bounds.shape[0] for f in files)
    print(f"\nstandard threshold {results['standard'].threshold:.4f}: {hits}/{n_windows} windows detected, "
          f"{false_positives} detections outside windows")
    groups = group_scores(files, results)
    print(f"\n{'group':<24}" + "".join(f"{p:>20}" for p in PROFILE_ORDER))
    for group, row in groups.items():
        print(f"{group:<24}" + "".join(f"{row[p]:>20.2f}" for p in PROFILE_ORDER))
    counts = {"windows_detected": hits, "windows": n_windows, "false_positive_detections": false_positives}
    return {**counts, "groups": groups}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "datasets" / "nab")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out" / "nab")
    parser.add_argument("--detector", default="thermodynasty")
    args = parser.parse_args(argv)
    files = load_corpus(args.data)
    scores, pts_per_s = run_detector(files, DetectorConfig())
    results = score_all(files, scores)
    write_results(args.out, args.detector, files, scores)
    print(f"{len(files)} files, {sum(f.values.size for f in files)} rows, {pts_per_s:,.0f} points/s streaming\n")
    print_board(results, args.detector)
    figures = {
        "detector": args.detector,
        "files": len(files),
        "points_per_s": round(pts_per_s),
        "scores": {p: round(r.normalised, 2) for p, r in results.items()},
        "thresholds": {p: r.threshold for p, r in results.items()},
        **print_summary(files, scores, results),
        "published_best_standard": SCOREBOARD["ARTime"][0],
    }
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
