"""Change-point benchmark: our offline default and online detector against ruptures and no change.

Usage: ``python benchmarks/changepoints.py [--parts synthetic,tune,report] [--max-n 5000]``
       ``python benchmarks/changepoints.py --tune``  (sweep the penalty factor on synthetic + tune)

Methods, all with defaults only:
- ``ours``: ``kernels.changepoint.segment(values)`` (offline, default config);
- ``ours-online``: ``OnlineDetector()`` fed point by point (its confirmed change points);
- ``rpt-pelt-l2`` / ``rpt-binseg-l2``: ruptures ``Pelt``/``Binseg(model="l2")`` with their
  default ``min_size=2, jump=5`` and ``pen = sigma^2 log n`` (ruptures' documented BIC-style
  penalty, dim = 1), sigma = MAD of first differences / (0.6745 sqrt 2);
- ``rpt-pelt-normal`` / ``rpt-binseg-normal``: ``model="normal"`` (a -2 log-likelihood
  scale cost), ``pen = 3 log n`` (BIC: mean, variance and location per change);
- ``no-change``: no change point at all.
The penalty factor of our default (``kernels.changepoint.scale.PENALTY_FACTOR``) is the only
constant swept (``--tune``), on the synthetic part (series <= 1,000 points) and the real
``tune`` half only; the ``report`` half is never used to choose anything.
ruptures gets the series with missing values linearly interpolated (it takes no NaN).
Metrics: F1 with a 5-point margin and segmentation covering (``kernels.changepoint.metrics``),
mean detection delay of the online detector on the true changes it found, points/s.
Each part prints a table and one JSON line; the last line is one JSON object with everything.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import ruptures as rpt  # noqa: E402 - after the path set-up above
from changepoint_corpus import Series, real, synthetic  # noqa: E402

from kernels.changepoint import OnlineDetector, segment  # noqa: E402
from kernels.changepoint import scale as cp_scale  # noqa: E402
from kernels.changepoint.metrics import covering, f1_score  # noqa: E402

MARGIN = 5
SHORT = 150
Detector = Callable[[np.ndarray], list[int]]


def _filled(x: np.ndarray) -> np.ndarray:
    ok = np.isfinite(x)
    if ok.all():
        return x
    idx = np.arange(x.size)
    return np.interp(idx, idx[ok], x[ok])


def _ruptures(algo: str, model: str) -> Detector:
    def run(x: np.ndarray) -> list[int]:
        y = _filled(x)
        n = y.size
        if model == "l2":
            sigma = cp_scale.diff_sigma(y)
            pen = sigma * sigma * np.log(n)
        else:
            pen = 3.0 * np.log(n)
        cls = rpt.Pelt if algo == "pelt" else rpt.Binseg
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                bkps = cls(model=model, min_size=2, jump=5).fit(y).predict(pen=pen)
            except rpt.exceptions.BadSegmentationParameters:
                return []
        return [int(b) for b in bkps if 0 < b < n]
    return run


def ours(x: np.ndarray) -> list[int]:
    return [cp.index for cp in segment(x).change_points]


def ours_online_run(x: np.ndarray) -> tuple[list[int], list[int]]:
    det = OnlineDetector()
    found, seen_at = [], []
    for i, v in enumerate(x, start=1):
        cp = det.update(float(v))
        if cp is not None:
            found.append(cp.index)
            seen_at.append(i)
    return found, seen_at


def no_change(x: np.ndarray) -> list[int]:
    return []


METHODS: dict[str, Detector] = {
    "ours": ours,
    "ours-online": lambda x: ours_online_run(x)[0],
    "rpt-pelt-l2": _ruptures("pelt", "l2"),
    "rpt-binseg-l2": _ruptures("binseg", "l2"),
    "rpt-pelt-normal": _ruptures("pelt", "normal"),
    "rpt-binseg-normal": _ruptures("binseg", "normal"),
    "no-change": no_change,
}


def _delays(series: list[Series]) -> list[int]:
    """Points between each true change and the online confirmation that matched it."""
    out = []
    for s in series:
        found, seen_at = ours_online_run(s.values)
        for t in s.truth[0]:
            close = [(abs(f - t), seen - t) for f, seen in zip(found, seen_at, strict=True)
                     if abs(f - t) <= MARGIN and seen >= t]
            if close:
                out.append(min(close)[1])
    return out


def evaluate(series: list[Series], methods: dict[str, Detector]) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    for name, method in methods.items():
        f1s, covers, short_f1, short_cover, points, seconds = [], [], [], [], 0, 0.0
        for s in series:
            start = time.perf_counter()
            predicted = method(s.values)
            seconds += time.perf_counter() - start
            points += s.values.size
            f1 = f1_score(s.truth, predicted, MARGIN)
            cover = covering(s.truth, predicted, s.values.size)
            f1s.append(f1)
            covers.append(cover)
            if s.values.size < SHORT:
                short_f1.append(f1)
                short_cover.append(cover)
        rows[name] = {
            "f1": float(np.mean(f1s)), "cover": float(np.mean(covers)),
            "short_f1": float(np.mean(short_f1)) if short_f1 else float("nan"),
            "short_cover": float(np.mean(short_cover)) if short_cover else float("nan"),
            "n_short": len(short_f1), "points_per_s": points / max(seconds, 1e-9),
        }
    return rows


def print_part(part: str, series: list[Series], rows: dict[str, dict[str, float]]) -> dict:
    n_short = next(iter(rows.values()))["n_short"]
    print(f"\n== {part}: {len(series)} series ({n_short} shorter than {SHORT} points), margin {MARGIN}")
    print(f"{'method':<20}{'F1':>7}{'cover':>8}{'F1<150':>9}{'cov<150':>9}{'points/s':>15}")
    for name, r in rows.items():
        print(f"{name:<20}{r['f1']:>7.3f}{r['cover']:>8.3f}{r['short_f1']:>9.3f}{r['short_cover']:>9.3f}"
              f"{r['points_per_s']:>15,.0f}")
    delays = _delays(series)
    delay = {"online_delay_mean": float(np.mean(delays)) if delays else None,
             "online_delay_max": int(max(delays)) if delays else None,
             "online_delay_bound": OnlineDetector().delay_bound, "online_matched": len(delays)}
    mean = "-" if not delays else f"{delay['online_delay_mean']:.1f}"
    print(f"online detector, points from a true change to its confirmation: mean {mean}, max "
          f"{delay['online_delay_max']} over {len(delays)} matched changes (bound {delay['online_delay_bound']} "
          f"from the estimated start, which is within {MARGIN} of the true one when matched)")
    figures = {"part": part, "series": len(series), "margin": MARGIN, **delay,
               **{f"{m}_{k}": round(v, 4) for m, r in rows.items() for k, v in r.items() if k != "n_short"}}
    print(json.dumps(figures))
    return figures


def tune(series: list[Series], factors: tuple[float, ...]) -> dict[str, float]:
    """Mean F1 + covering of the offline default per penalty factor (synthetic + tune only)."""
    assert all(s.part in ("synthetic", "tune") for s in series)
    scores = {}
    for factor in factors:
        cp_scale.PENALTY_FACTOR = factor
        rows = evaluate(series, {"ours": ours})["ours"]
        scores[str(factor)] = round(rows["f1"] + rows["cover"], 4)
        print(f"penalty factor {factor:<5} F1 {rows['f1']:.3f} cover {rows['cover']:.3f}")
    return scores


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="synthetic,tune,report")
    parser.add_argument("--max-n", type=int, default=5000, help="skip synthetic series longer than this")
    parser.add_argument("--tune", action="store_true", help="sweep the penalty factor on synthetic + tune")
    args = parser.parse_args(argv)
    corpus = [s for s in synthetic() if s.values.size <= args.max_n] + real()
    if args.tune:
        scores = tune([s for s in corpus if s.part in ("synthetic", "tune")], (0.5, 0.75, 1.0, 1.25, 1.5, 2.0))
        print(json.dumps({"tune": scores}))
        return scores
    figures = {}
    for part in args.parts.split(","):
        chosen = [s for s in corpus if s.part == part]
        figures[part] = print_part(part, chosen, evaluate(chosen, METHODS))
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
