"""How bad an alert is, from evidence rather than from the raw detector score.

The detector's score says "this point is surprising" on its own scale; it is highest for the first points a stream
ever sees, when everything is new. Severity instead weighs three kinds of evidence, each mapped to [0, 1]:

- rarity: how rare this score is among the stream's own past scores (-log10 of its empirical tail probability,
  at least 1/(N+1) after N scored points, so a short history cannot call anything very rare);
- size: how far the value lies from the stream's median, in robust standard deviations (1.4826 x MAD) of the
  stream's history;
- duration: how many consecutive points, this one included, have lain that far out on the same side.

The severity index is their mean; the bands cut it in quarters. Until the stream has CALIBRATION_POINTS scored
points after the detector's learning period, the index is capped below "high": its median, scale and score tail
are not yet known well enough. Regime-change alerts use the same index (services/regimes.py).
Pure Python and numpy: no Django, so it is unit-testable without a database.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SEVERITY_BANDS = ((0.75, "critical"), (0.5, "high"), (0.25, "medium"), (0.0, "low"))
CALIBRATION_POINTS = 3_000  # scored points before a stream may reach "high" (~10 days of 5-minute readings)
WARMUP_CAP = 0.49  # the highest index a stream still calibrating can get: "medium"
RARITY_FLOOR, RARITY_FULL = 1.0, 3.0  # decades: 1 in 10 is no evidence, 1 in 1,000 is full evidence
SIZE_FLOOR, SIZE_FULL = 2.0, 6.0  # robust standard deviations
EXCURSION_SIGMA = 3.0  # a point this far from the median (robust units) continues an excursion
DURATION_FULL = 144  # consecutive points of excursion that count as full evidence (12 h of 5-minute readings)
SCORE_BINS = 100  # score histogram resolution over [0, 1)
SAMPLE_SIZE = 1_024  # values kept to estimate the median and scale; halved (every other) when full
REFRESH_EVERY = 128  # points between re-estimates of the median and scale (a median costs ~20 µs)


@dataclass(frozen=True)
class SeverityEvidence:
    rarity_decades: float
    size_sigma: float
    duration_points: int
    history_points: int


def _ramp(value: float, floor: float, full: float) -> float:
    return min(max((value - floor) / (full - floor), 0.0), 1.0)


def severity_index(evidence: SeverityEvidence) -> float:
    """In [0, 1], non-decreasing in each kind of evidence. NaN inputs count as no evidence."""
    rarity = 0.0 if math.isnan(evidence.rarity_decades) else _ramp(evidence.rarity_decades, RARITY_FLOOR, RARITY_FULL)
    size = 0.0 if math.isnan(evidence.size_sigma) else _ramp(abs(evidence.size_sigma), SIZE_FLOOR, SIZE_FULL)
    duration = min(math.log(max(evidence.duration_points, 1)) / math.log(DURATION_FULL), 1.0)
    index = (rarity + size + duration) / 3
    if evidence.history_points < CALIBRATION_POINTS:
        index = min(index, WARMUP_CAP)
    return index


def severity_label(evidence: SeverityEvidence) -> str:
    index = severity_index(evidence)
    return next(label for floor, label in SEVERITY_BANDS if index >= floor)


def severity_evidence_json(evidence: SeverityEvidence) -> dict[str, Any]:
    """What an alert stores so a reader can see why it got its severity."""
    return {"rarity_decades": evidence.rarity_decades, "size_sigma": evidence.size_sigma,
            "duration_points": evidence.duration_points, "history_points": evidence.history_points,
            "index": severity_index(evidence)}


@dataclass
class SeverityCalibration:
    """A stream's own history, as far as severity needs it, in bounded memory (~10 kB): a histogram of its scores,
    an evenly thinned sample of its values (every `stride`-th point) for the median and scale, and the current
    excursion. Feed every point with `observe`, after asking for the point's `evidence`."""

    score_counts: list[int] = field(default_factory=lambda: [0] * SCORE_BINS)
    sample: list[float] = field(default_factory=list)
    stride: int = 1
    seen: int = 0
    median: float | None = None  # None until the first point (NaN would read as a poisoned state)
    scale: float | None = None
    run: int = 0
    run_sign: int = 0

    def excursion(self, value: float) -> tuple[float, int]:
        """(robust z of `value`, length of the excursion it would make), against the points before it."""
        if self.median is None or self.scale is None:
            return 0.0, 0
        z = (value - self.median) / self.scale
        if abs(z) < EXCURSION_SIGMA:
            return z, 0
        sign = 1 if z > 0 else -1
        return z, (self.run + 1) if sign == self.run_sign else 1

    def evidence(self, value: float, score: float) -> SeverityEvidence:
        """For a point not yet observed: its score's tail among past scores, its size and its excursion."""
        history = sum(self.score_counts)
        tail = (1 + sum(self.score_counts[_bin(score):])) / (1 + history)
        z, run = self.excursion(value)
        return SeverityEvidence(rarity_decades=-math.log10(tail), size_sigma=z, duration_points=run,
                                history_points=history)

    def observe(self, value: float, score: float, *, scored: bool) -> None:
        """`scored` is False inside the detector's learning period, whose zero scores say nothing."""
        z, run = self.excursion(value)
        self.run, self.run_sign = run, (0 if run == 0 else (1 if z > 0 else -1))
        if scored:
            self.score_counts[_bin(score)] += 1
        if self.seen % self.stride == 0:
            self.sample.append(value)
            if len(self.sample) >= SAMPLE_SIZE:
                # Keeping every other value of an evenly thinned sample keeps it even over the whole history.
                self.sample, self.stride = self.sample[::2], self.stride * 2
        self.seen += 1
        if self.seen % REFRESH_EVERY == 0 or self.median is None:
            self._estimate()

    def _estimate(self) -> None:
        values = np.asarray(self.sample, dtype=np.float64)
        median = float(np.median(values))
        mad = float(np.median(np.abs(values - median)))
        # A stream with a constant majority has MAD 0; fall back to the mean deviation, then to a tiny unit so
        # any move off the constant counts as large rather than dividing by zero.
        scale = 1.4826 * mad or 1.2533 * float(np.mean(np.abs(values - median))) or 1e-9 * max(1.0, abs(median))
        self.median, self.scale = median, scale

    def to_state(self) -> dict[str, Any]:
        """JSON primitives only, for a non-pickle state format."""
        names = ("score_counts", "sample", "stride", "seen", "median", "scale", "run", "run_sign")
        return {name: getattr(self, name) for name in names}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SeverityCalibration:
        median, scale = state.get("median"), state.get("scale")
        return cls(score_counts=[int(c) for c in state["score_counts"]], sample=[float(v) for v in state["sample"]],
                   stride=int(state["stride"]), seen=int(state["seen"]),
                   median=None if median is None else float(median),
                   scale=None if scale is None else float(scale), run=int(state["run"]),
                   run_sign=int(state["run_sign"]))


def _bin(score: float) -> int:
    return min(max(int(score * SCORE_BINS), 0), SCORE_BINS - 1)
