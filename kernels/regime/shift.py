"""Two-sided CUSUM on a stream's learnt level: finds sustained rises *and* falls that make no new extreme.

The record/novelty channels of ``RegimeDetector`` alarm on values never seen; a Poisson rate that falls by 40 %,
a count that creeps up inside its learnt range, or a categorical mix that moves onto other common symbols (its
surprisal stream shifts in mean) never produce one. A CUSUM accumulates the log-likelihood ratio of "the level
moved by ``size``" against "it did not" and alarms when either side's sum passes ``threshold`` (Page 1954;
Lucas 1985 for the Poisson form). Average run length to a false alarm grows roughly as ``exp(threshold)``.

Baseline: a level per time-of-day bucket (``buckets`` per day; 1 = none) learnt on the detector's learning period
and then followed slowly (``memory`` points per bucket), so a daily cycle is not a shift. Dependence: real streams
are over-dispersed and autocorrelated (red noise), which makes a textbook CUSUM fire far too often. The learning
period fixes the residuals' dispersion and their long-run variance factor (Bartlett / Newey-West: how much faster
than independent noise their sums spread); each log-likelihood-ratio increment is divided by both, which keeps the
false-alarm run length of the independent case. Expected delay for a shift of the design size is about
``threshold / KL`` points, KL the per-point divergence over the same factors: ``size**2 / 2`` for ``mean``,
``rate * ((1 - size) * ln(1 - size) + size)`` for a ``poisson`` fall (``(1 + size) ln(1 + size) - size`` times the
rate for a rise).

After an alarm both sums restart and the baseline moves to the level the alarming side estimated (the CUSUM's own
estimate of the new level), so a sustained change alarms once, not every few points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

SECONDS_PER_DAY = 86400.0
MAX_LAG = 60  # the long-run variance's bandwidth cap (points): the dependence a learning period can measure
MAX_FACTOR = 40.0  # beyond this the residuals are a random walk, not noise around a level: cap the correction
MIN_RATE = 0.05  # a bucket's Poisson rate floor: a zero rate would make any count infinitely surprising


@dataclass(frozen=True)
class ShiftConfig:
    """Settings of :class:`ShiftCusum` (the ``shift_*`` fields of ``DetectorConfig``).

    Attributes:
        test: ``mean`` (Gaussian CUSUM on pre-whitened residuals; ``size`` is in residual standard deviations) or
            ``poisson`` (counts; ``size`` is the relative rate change, e.g. 0.4 for a 40 % rise or fall).
        size: the smallest shift worth finding quickly (the CUSUM's design shift).
        threshold: decision interval on the log-likelihood-ratio sum (nats).
        buckets: buckets of the baseline's cycle (1 = one level throughout).
        cycle_s: the baseline's cycle in seconds: a day (default) or a week (weekday and hour both matter).
        memory: points per bucket the baseline averages over once learnt (its slow drift tracking).

    Example:
        >>> ShiftConfig(test="poisson", size=0.4, threshold=8.0).test
        'poisson'
    """

    test: str = "mean"
    size: float = 1.0
    threshold: float = 8.0
    buckets: int = 1
    memory: int = 500
    cycle_s: float = SECONDS_PER_DAY

    def __post_init__(self) -> None:
        if self.test not in ("mean", "poisson"):
            raise ValueError(f"shift test must be 'mean' or 'poisson', got {self.test!r}")
        if not (0.0 < self.size and (self.test == "mean" or self.size < 1.0)):
            raise ValueError("shift size must be > 0 (and < 1 for the poisson test: a rate cannot fall 100 %)")
        if self.threshold <= 0 or self.buckets < 1 or self.memory < 2 or self.cycle_s <= 0:
            raise ValueError("shift threshold > 0, buckets >= 1, memory >= 2 and cycle_s > 0 are required")


@dataclass
class ShiftCusum:
    """Streaming two-sided CUSUM; ``learn`` the learning period once, then ``update`` point by point.

    Example (a Poisson rate of 6 that falls 40 % at point 300: no count below the learnt range appears):
        >>> import numpy as np
        >>> rng = np.random.default_rng(3)
        >>> x = np.r_[rng.poisson(6.0, 300), rng.poisson(3.6, 200)].astype(float)
        >>> cusum = ShiftCusum(ShiftConfig(test="poisson", size=0.4, threshold=8.0))
        >>> cusum.learn([(60.0 * i, v) for i, v in enumerate(x[:150])])
        >>> alarms = [i for i in range(150, 500) if cusum.update(60.0 * i, float(x[i]))]
        >>> alarms[0] >= 300, alarms[0] - 300 < 40
        (True, True)
    """

    config: ShiftConfig
    level: list[float] = field(default_factory=list)  # per bucket: mean (mean test) or rate (poisson test)
    scale: float = 1.0  # mean: sd of the residuals; poisson: their dispersion index (>= 1)
    factor: float = 1.0  # long-run variance of the residuals over their variance (>= 1; 1 for white noise)
    sums: list[float] = field(default_factory=lambda: [0.0, 0.0])  # [up, down]
    runs: list[list[float]] = field(default_factory=lambda: [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])

    def bucket(self, t: float) -> int:
        return int((t % self.config.cycle_s) * self.config.buckets // self.config.cycle_s)

    def learn(self, points: list[tuple[float, float]]) -> None:
        """Fix the per-bucket baseline, the residual autocorrelation and the noise scale from ``points``."""
        n = self.config.buckets
        visits: list[list[float]] = [[] for _ in range(n)]
        for t, x in points:
            visits[self.bucket(t)].append(x)
        # only the later half of each bucket's visits (and of the period, for the noise): a stream's start has
        # transients (a categorical stream's surprisal falls as its smoothing fades) that are not its level
        later = [v[len(v) // 2:] for v in visits]
        overall = sum(sum(v) for v in later) / max(sum(len(v) for v in later), 1)
        # a bucket the learning period never visited starts at the overall level
        self.level = [sum(v) / len(v) if v else overall for v in later]
        if self.config.test == "poisson":
            self.level = [max(v, MIN_RATE) for v in self.level]
        residuals = [x - self.level[self.bucket(t)] for t, x in points[len(points) // 2:]]
        variance = _variance(residuals)
        self.factor = _long_run_factor(residuals, variance)
        if self.config.test == "mean":
            self.scale = max(math.sqrt(variance), 1e-9)
        else:
            self.scale = max(variance / max(overall, MIN_RATE), 1.0)

    def update(self, t: float, x: float) -> bool:
        """Feed one point after the learning period; True when a sustained shift is found at it."""
        b = self.bucket(t)
        level = self.level[b]
        residual = x - level
        steps = self._steps(x, level, residual)
        alarm = False
        for side, step in enumerate(steps):
            self.sums[side] = max(0.0, self.sums[side] + step)
            run = self.runs[side]
            # the run since the sum last left zero estimates the new level: sum of x and of the baseline over it
            self.runs[side] = [run[0] + 1, run[1] + x, run[2] + level] if self.sums[side] > 0 else [0.0, 0.0, 0.0]
            alarm = alarm or self.sums[side] > self.config.threshold
        if alarm:
            self._relevel()
        else:
            # follow slow drift; a shift is found long before the baseline absorbs it
            self.level[b] = level + residual / self.config.memory
            if self.config.test == "poisson":
                self.level[b] = max(self.level[b], MIN_RATE)
        return alarm

    def _steps(self, x: float, level: float, residual: float) -> tuple[float, float]:
        size = self.config.size
        if self.config.test == "mean":
            z = residual / self.scale
            up, down = size * z - size * size / 2.0, -size * z - size * size / 2.0
        else:
            up = (x * math.log1p(size) - level * size) / self.scale
            down = (x * math.log1p(-size) + level * size) / self.scale
        # dependent increments grow the sum's variance `factor` times faster: dividing by it restores the
        # independent case's drift-to-variance ratio, hence its run length to a false alarm
        return up / self.factor, down / self.factor

    def _relevel(self) -> None:
        side = 0 if self.sums[0] >= self.sums[1] else 1
        run = self.runs[side]
        if run[0] > 0:
            if self.config.test == "poisson":
                ratio = run[1] / max(run[2], MIN_RATE)
                self.level = [max(v * ratio, MIN_RATE) for v in self.level]
            else:
                offset = (run[1] - run[2]) / run[0]
                self.level = [v + offset for v in self.level]
        self.sums, self.runs = [0.0, 0.0], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]

    def state_dict(self) -> dict[str, Any]:
        return {"level": list(self.level), "scale": self.scale, "factor": self.factor,
                "sums": list(self.sums), "runs": [list(r) for r in self.runs]}

    @classmethod
    def from_state(cls, config: ShiftConfig, state: dict[str, Any]) -> ShiftCusum:
        """Inverse of :meth:`state_dict` (the configuration lives with the detector's)."""
        return cls(config=config, level=[float(v) for v in state["level"]], scale=float(state["scale"]),
                   factor=float(state["factor"]), sums=[float(s) for s in state["sums"]],
                   runs=[[float(v) for v in r] for r in state["runs"]])


def _variance(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)


def _long_run_factor(values: list[float], variance: float) -> float:
    """Bartlett (Newey-West) long-run variance of ``values`` over their variance, at least 1.

    The bandwidth grows with the sample (a sixth of it, at most ``MAX_LAG``) so a long learning period sees the
    slow dependence of red noise that a lag-1 estimate misses when white noise is mixed in.
    """
    n = len(values)
    if n < 3 or variance <= 0:
        return 1.0
    mean = sum(values) / n
    centred = [v - mean for v in values]
    lags = min(max(n // 6, 1), MAX_LAG)
    total = variance
    for k in range(1, lags + 1):
        gamma = sum(a * b for a, b in zip(centred, centred[k:], strict=False)) / (n - 1)
        total += 2.0 * (1.0 - k / (lags + 1)) * gamma
    return min(max(total / variance, 1.0), MAX_FACTOR)
