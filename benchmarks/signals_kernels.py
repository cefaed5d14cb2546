"""Throughput of the signal compiler and the regime detector on one core, against named peers.

Usage: ``python benchmarks/signals_kernels.py [--repeats 5] [--points 1000000]``

* batch compiler (``compile_signals``) vs. a per-window numpy peer (``np.histogram`` +
  ``np.var`` + a pair histogram per window, the obvious way to write it);
* streaming compiler (``SignalStream.update``, step 32 and step 1) vs. a pure-Python loop that
  recomputes each window's signals from scratch when it completes;
* streaming detector (``RegimeDetector.update``) vs. NAB's "windowed Gaussian" baseline
  written as a pure-Python rolling z-score.

Each figure is the median points/s over ``--repeats`` runs. The last line is one JSON object.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"  # one core: set before numpy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import deque  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kernels.regime import RegimeDetector  # noqa: E402
from kernels.signal_compiler import SignalConfig, SignalStream, compile_signals  # noqa: E402

CONFIG = SignalConfig(window=64, step=32, n_bins=16)
EVERY_POINT = SignalConfig(window=64, step=1, n_bins=16)  # a window per point: where O(1) updates pay off


def per_window_numpy(x: np.ndarray, cfg: SignalConfig) -> np.ndarray:
    """Peer: entropy, rate, energy and temperature window by window with np.histogram."""
    lo, hi = x[: cfg.window].min(), x[: cfg.window].max()
    base = x[: cfg.window].mean()
    out = []
    for start in range(0, x.size - cfg.window + 1, cfg.step):
        win = x[start : start + cfg.window]
        counts, _ = np.histogram(np.clip(win, lo, hi), bins=cfg.n_bins, range=(lo, hi))
        sym = np.minimum(((np.clip(win, lo, hi) - lo) / (hi - lo) * cfg.n_bins).astype(int), cfg.n_bins - 1)
        pairs, _ = np.histogram(sym[:-1] * cfg.n_bins + sym[1:], bins=cfg.n_bins**2, range=(0, cfg.n_bins**2))
        p, q = counts[counts > 0] / win.size, pairs[pairs > 0] / (win.size - 1)
        out.append((np.mean((win - base) ** 2), win.var(), -(p * np.log(p)).sum(), -(q * np.log(q)).sum()))
    return np.array(out)


def python_window_loop(values: list[float], cfg: SignalConfig) -> int:
    """Peer: keep the last window in a deque and recompute all its signals when it completes."""
    window: deque[float] = deque(maxlen=cfg.window)
    lo = hi = base = 0.0
    previous: list[int] | None = None
    emitted = 0
    for i, v in enumerate(values):
        window.append(v)
        if i + 1 == cfg.window:
            lo, hi, base = min(window), max(window), sum(window) / cfg.window
        if i + 1 >= cfg.window and (i + 1 - cfg.window) % cfg.step == 0:
            sym = [min(max(int((u - lo) / (hi - lo) * cfg.n_bins), 0), cfg.n_bins - 1) for u in window]
            counts, pairs = [0] * cfg.n_bins, {}
            for a, b in zip(sym, sym[1:] + [None], strict=True):
                counts[a] += 1
                if b is not None:
                    pairs[(a, b)] = pairs.get((a, b), 0) + 1
            mean = sum(window) / cfg.window
            _ = sum((u - base) ** 2 for u in window) / cfg.window, sum((u - mean) ** 2 for u in window) / cfg.window
            _ = sum(c * math.log(c) for c in counts if c), sum(c * math.log(c) for c in pairs.values())
            if previous is not None:
                _ = sum((c + d) * math.log(c + d) for c, d in zip(counts, previous, strict=True) if c + d)
            previous = counts
            emitted += 1
    return emitted


def windowed_gaussian(values: list[float], window: int = 6400) -> float:
    """Peer detector: NAB's windowed Gaussian (tail probability of a rolling z-score)."""
    buf: deque[float] = deque()
    s = s2 = last = 0.0
    for v in values:
        if len(buf) > 1:
            mean = s / len(buf)
            std = math.sqrt(max(s2 / len(buf) - mean * mean, 1e-12))
            last = 1.0 - 0.5 * math.erfc(abs(v - mean) / std / math.sqrt(2.0))
        buf.append(v)
        s, s2 = s + v, s2 + v * v
        if len(buf) > window:
            old = buf.popleft()
            s, s2 = s - old, s2 - old * old
    return last


def rate(fn: Callable[[], object], points: int, repeats: int) -> float:
    """Median points per second over ``repeats`` timed calls."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append(points / (time.perf_counter() - start))
    return statistics.median(runs)


def stream_compiler(values: list[float], cfg: SignalConfig) -> None:
    update = SignalStream(cfg).update
    for i, v in enumerate(values):
        update(float(i), v)


def stream_detector(values: list[float], times: list[float]) -> None:
    update = RegimeDetector().update
    for t, v in zip(times, values, strict=True):
        update(t, v)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--points", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(size=args.points)) + rng.normal(size=args.points)
    small = x[: max(args.points // 10, 10_000)]
    small_list, times = small.tolist(), (300.0 * np.arange(small.size)).tolist()
    rows = [
        ("batch compiler", rate(lambda: compile_signals(x, CONFIG), x.size, args.repeats),
         "np.histogram per window", rate(lambda: per_window_numpy(small, CONFIG), small.size, args.repeats)),
        ("streaming compiler", rate(lambda: stream_compiler(small_list, CONFIG), small.size, args.repeats),
         "python recompute per window", rate(lambda: python_window_loop(small_list, CONFIG), small.size, args.repeats)),
        ("streaming step=1", rate(lambda: stream_compiler(small_list, EVERY_POINT), small.size, args.repeats),
         "python recompute per window",
         rate(lambda: python_window_loop(small_list, EVERY_POINT), small.size, args.repeats)),
        ("streaming detector", rate(lambda: stream_detector(small_list, times), small.size, args.repeats),
         "windowed Gaussian (python)", rate(lambda: windowed_gaussian(small_list), small.size, args.repeats)),
    ]
    print(f"one core, window={CONFIG.window} step={CONFIG.step} bins={CONFIG.n_bins}, median of {args.repeats} runs\n")
    print(f"{'kernel':<20}{'points/s':>14}  {'peer':<30}{'points/s':>14}{'ratio':>8}")
    for name, ours, peer, theirs in rows:
        print(f"{name:<20}{ours:>14,.0f}  {peer:<30}{theirs:>14,.0f}{ours / theirs:>8.1f}")
    figures = {
        re.sub(r"\W+", "_", name): {
            "points_per_s": round(ours),
            "peer": peer,
            "peer_points_per_s": round(theirs),
            "ratio": round(ours / theirs, 2),
        }
        for name, ours, peer, theirs in rows
    }
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
