"""Corpus of the change-point benchmark: seeded synthetic series and the committed real series.

Synthetic series are piecewise (mean, variance, slope or seasonal-shape changes) with Gaussian,
heavy-tailed (Student t, 3 dof) or autocorrelated (AR(1), rho = 0.5) noise of unit scale, at
lengths 15 to 5,000, plus change-free series of every noise and length. Every series comes from
``numpy.random.default_rng(seed)`` with a seed fixed by its position in the grid.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REAL = Path(__file__).resolve().parent / "data" / "changepoints" / "real.json"
LENGTHS = (15, 40, 100, 300, 1000, 5000)
KINDS = ("mean", "variance", "slope", "seasonal", "none")
NOISES = ("gauss", "t3", "ar1")
PERIOD = 12


@dataclass(frozen=True)
class Series:
    name: str
    values: np.ndarray
    truth: list[list[int]]  # one list per annotator
    part: str  # "synthetic", "tune" or "report"
    citation: str = ""


def _noise(rng: np.random.Generator, kind: str, n: int) -> np.ndarray:
    if kind == "t3":
        return rng.standard_t(3, n) / np.sqrt(3.0)  # unit variance
    if kind == "ar1":
        e = rng.normal(0, np.sqrt(1 - 0.25), n + 50)
        x = np.zeros(n + 50)
        for i in range(1, n + 50):
            x[i] = 0.5 * x[i - 1] + e[i]
        return x[50:]
    return rng.normal(0, 1, n)


def _change_points(rng: np.random.Generator, n: int) -> list[int]:
    k = {15: 1, 40: 1, 100: 2, 300: 3, 1000: 4, 5000: 6}[n]
    gap = max(5, n // (2 * (k + 1)))
    while True:
        points = sorted(int(p) for p in rng.choice(np.arange(gap, n - gap + 1), size=k, replace=False))
        if all(b - a >= gap for a, b in itertools.pairwise(points)):
            return points


def _signal(rng: np.random.Generator, kind: str, n: int, points: list[int], noise: np.ndarray) -> np.ndarray:
    bounds = [0, *points, n]
    t = np.arange(n, dtype=float)
    out = np.zeros(n)
    level, scale, slope, amp = 0.0, 1.0, 0.0, 2.0
    for a, b in itertools.pairwise(bounds):
        if kind == "mean":
            out[a:b] = level + noise[a:b]
            level += rng.choice([-1, 1]) * rng.uniform(1.5, 4.0)
        elif kind == "variance":
            out[a:b] = scale * noise[a:b]
            scale *= rng.choice([1 / 3, 3.0]) if scale == 1.0 else (1 / scale if rng.random() < 0.7 else 3.0)
        elif kind == "slope":
            out[a:b] = level + slope * (t[a:b] - a) + noise[a:b]
            level += slope * (b - a)
            slope = rng.choice([-1, 1]) * rng.uniform(3.0, 8.0) / max(b - a, 5) if slope == 0 else -slope
        elif kind == "seasonal":
            out[a:b] = amp * np.sin(2 * np.pi * t[a:b] / PERIOD) + noise[a:b]
            amp = 0.0 if amp else 2.0 + rng.uniform(0, 1)
        else:
            out[a:b] = noise[a:b]
    return out


def synthetic() -> list[Series]:
    """The synthetic part, in a fixed order (seed = position in the grid)."""
    out: list[Series] = []
    seed = 0
    for kind in KINDS:
        for noise_kind in NOISES:
            for n in LENGTHS:
                seed += 1
                rng = np.random.default_rng(1000 + seed)
                points = [] if kind == "none" else _change_points(rng, n)
                x = _signal(rng, kind, n, points, _noise(rng, noise_kind, n))
                out.append(Series(f"{kind}_{noise_kind}_{n}", x, [points], "synthetic"))
    return out


def real() -> list[Series]:
    """The real part from ``data/changepoints/real.json`` (missing values as NaN)."""
    data = json.loads(REAL.read_text())
    return [
        Series(s["name"], np.array([np.nan if v is None else v for v in s["values"]], dtype=float),
               [list(a) for a in s["truth"]], s["split"], s["citation"])
        for s in data["series"]
    ]
