"""Streaming regime-change tracking: the online detector's candidates, checked once the new regime has lasted.

The online detector proposes a boundary as soon as its posterior says so, which for a large outlier is the
outlier itself. A candidate becomes a regime change only once ``persist`` points of the new regime exist and
``segment()`` over the ``context`` points before it and those after, with the candidate's first point masked as
missing, still finds a boundary there and none after it: a regime survives losing its first point, a spike does
not. So the reported delay is max(detector's delay, persist) points, at most :attr:`BoundaryTracker.delay_bound`.

The product (apps/signals regimes) and the use-case evaluation (kernels/scenarios) both run this class, so a
template's evidence is measured on the very code its streams run. A seasonal template removes its cycle first:
each point is fed as its residual from a per-phase profile learnt online, so a daily swing is not a boundary.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from kernels.changepoint.config import OnlineConfig, SegmentConfig
from kernels.changepoint.offline import segment
from kernels.changepoint.online import OnlineDetector
from kernels.changepoint.types import ChangePoint
from kernels.changepoint.whiten import MIN_LEARN, Ar1Whitener

BOUNDARY_MARGIN = 5  # points before a boundary's estimated start whose anomaly alarms belong to that boundary
MAX_RING = 1_100  # bound on the points kept for the check and for dating a boundary
# a template's change-point model names the check's cost model; "seasonal" checks residuals for a level change
MODELS = {"level": "mean", "variance": "meanvar", "trend": "trend", "counts": "poisson", "seasonal": "mean",
          "auto": "auto"}
NOISES = ("iid", "ar1")


@dataclass(frozen=True)
class TrackerConfig:
    """Settings of :class:`BoundaryTracker` (a template's ``changepoint`` block).

    Attributes:
        model: ``auto`` (the check picks the cost model), ``level``, ``variance``, ``trend``, ``counts`` or
            ``seasonal`` (level changes of the residual from the cycle of ``period`` points).
        hazard, threshold, max_delay, max_run_length: the online detector's settings (see ``OnlineConfig``).
        persist: points of a new regime seen before it is checked: a regime lasts, a spike does not.
        context: points before a candidate the check segments them against.
        tolerance: points the check's boundary may lie from the detector's.
        period: points per cycle for ``seasonal`` (None otherwise).
        enabled: False turns regime-change alerts off for the stream (its alert policy wants anomalies only).
        noise: ``iid`` feeds the detector the values (or a seasonal stream's residuals) as they are; ``ar1``
            feeds their AR(1) innovations, with ``phi`` fitted on the first ``learn`` points (after a seasonal
            stream's first cycle) and frozen, so red noise is not taken for regime changes (see ``whiten.py``).
        learn: points the AR(1) filter is fitted on (``ar1`` only); no boundary is raised before they are seen.

    Example:
        >>> TrackerConfig(model="level").online().max_delay
        20
    """

    model: str = "auto"
    hazard: float = 1 / 250
    threshold: float = 0.8
    max_delay: int = 20
    max_run_length: int = 500
    persist: int = 6
    context: int = 60
    tolerance: int = 2
    period: int | None = None
    enabled: bool = True
    noise: str = "iid"
    learn: int = 0

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {sorted(MODELS)}, got {self.model!r}")
        if (self.model == "seasonal") != (self.period is not None):
            raise ValueError("a period (>= 2 points) is required by, and only by, the seasonal model")
        if self.period is not None and self.period < 2:
            raise ValueError("period must be >= 2 points")
        if not (1 <= self.persist <= 200 and 10 <= self.context <= 500 and 0 <= self.tolerance <= 10):
            raise ValueError("persist in [1, 200], context in [10, 500] and tolerance in [0, 10] are required")
        if self.noise not in NOISES:
            raise ValueError(f"noise must be one of {NOISES}, got {self.noise!r}")
        if (self.noise == "ar1") != (self.learn > 0):
            raise ValueError(f"learn (>= {MIN_LEARN} points) is required by, and only by, noise 'ar1'")
        if self.noise == "ar1" and (self.learn < MIN_LEARN or self.model == "counts"):
            # innovations of counts are no counts: the Poisson check could not take them
            raise ValueError(f"noise 'ar1' needs learn >= {MIN_LEARN} and a model other than counts")
        self.online()  # raises on the online detector's own bad values

    def online(self) -> OnlineConfig:
        return OnlineConfig(hazard=self.hazard, threshold=self.threshold, max_delay=self.max_delay,
                            max_run_length=self.max_run_length)

    def check(self) -> SegmentConfig:
        # the residuals of a seasonal stream carry no cycle left to remove; counts must stay counts (removing a
        # cycle would make them negative, which the Poisson cost cannot take)
        off = self.period is not None or self.model == "counts"
        return SegmentConfig(model=MODELS[self.model], seasonal="off" if off else "auto")

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> TrackerConfig:
        return cls(**(data or {}))


@dataclass(frozen=True)
class Boundary:
    """A confirmed regime change: ``index`` is its first point (counting the stream's points from 0), ``delay``
    the points of the new regime seen when confirmed; ``start_seconds`` / ``margin_seconds`` date the boundary
    and the start of its anomaly margin (``BOUNDARY_MARGIN`` points earlier)."""

    change: ChangePoint
    index: int
    delay: int
    start_seconds: float
    margin_seconds: float


@dataclass
class BoundaryTracker:
    """One stream's online detector, its latest points (time, value fed) and candidate boundaries.

    Example:
        >>> tracker = BoundaryTracker.new(TrackerConfig(model="level"))
        >>> noise = np.tile([0.3, -0.2, 0.1, -0.3, 0.2], 40)
        >>> x = np.r_[np.zeros(120), np.full(80, 4.0)] + noise
        >>> found = [b for i, v in enumerate(x) for b in tracker.observe(60.0 * i, float(v))]
        >>> [(b.index, b.delay) for b in found]
        [(120, 6)]
    """

    config: TrackerConfig
    detector: OnlineDetector
    seen: int = 0
    ring: deque[list[float]] = field(default_factory=deque)
    pending: list[int] = field(default_factory=list)
    dropped: int = 0
    profile: dict[int, list[float]] = field(default_factory=dict)  # phase -> [mean, visits] (seasonal only)
    whitener: Ar1Whitener | None = None
    skipped: int = 0  # points the detector never saw (a first cycle, AR(1) learning, disabled): its index offset

    @classmethod
    def new(cls, config: TrackerConfig | None = None) -> BoundaryTracker:
        config = config or TrackerConfig()
        return cls(config=config, detector=OnlineDetector(config.online()), ring=deque(maxlen=cls._ring_size(config)),
                   whitener=Ar1Whitener(config.learn) if config.noise == "ar1" else None)

    @staticmethod
    def _ring_size(config: TrackerConfig) -> int:
        return min(config.context + max(config.max_delay, config.persist) + BOUNDARY_MARGIN + 1, MAX_RING)

    @property
    def delay_bound(self) -> int:
        """Most points between a boundary and its confirmation."""
        return max(self.detector.delay_bound, self.config.persist)

    def observe(self, seconds: float, value: float) -> list[Boundary]:
        """Feeds one point; returns the boundaries it confirms (almost always none)."""
        fed = self._deseasonalised(float(value))
        if not self.config.enabled or (self.config.period and self.seen < self.config.period):
            # a seasonal stream's first cycle only builds the profile: it has no residual yet
            self.seen, self.skipped = self.seen + 1, self.skipped + 1
            return []
        innovation = fed if self.whitener is None else self.whitener.feed(fed)
        self.seen += 1
        if innovation is None:
            self.skipped += 1  # the AR(1) filter's learning points: nothing to track yet
            return []
        candidate = self.detector.update(innovation, seconds)
        self.ring.append([seconds, innovation])
        index = None if candidate is None else candidate.index + self.skipped
        if index is not None and index not in self.pending:
            self.pending.append(index)
        found = []
        for index in [i for i in self.pending if self.seen - i >= self.config.persist]:
            self.pending.remove(index)
            change = self._check(index)
            if change is None:
                self.dropped += 1
                continue
            found.append(Boundary(change=change, index=index, delay=self.seen - index,
                                  start_seconds=self._seconds_at(index),
                                  margin_seconds=self._seconds_at(index - BOUNDARY_MARGIN)))
        return found

    def _deseasonalised(self, value: float) -> float:
        period = self.config.period
        if period is None:
            return value
        phase = self.seen % period
        mean, visits = self.profile.get(phase, [value, 0.0])
        # a slow average (at most 1/8 per cycle) follows a drifting cycle but not a new regime within max_delay
        weight = 1.0 / min(visits + 1.0, 8.0)
        self.profile[phase] = [mean + weight * (value - mean), visits + 1.0]
        return value - mean

    def _check(self, index: int) -> ChangePoint | None:
        first = self.seen - len(self.ring)
        lo = max(first, index - self.config.context)
        window = list(self.ring)[lo - first:]
        if index - lo < 2:
            return None  # nothing to compare the new regime with
        values = np.array([v for _, v in window], dtype=np.float64)
        values[index - lo] = math.nan
        local = segment(values, np.array([t for t, _ in window], dtype=np.float64), self.config.check())
        at = [cp for cp in local.change_points if abs(cp.index - (index - lo)) <= self.config.tolerance]
        if not at or any(cp.index > at[0].index for cp in local.change_points):
            return None
        return at[0]

    def _seconds_at(self, index: int) -> float:
        first = self.seen - len(self.ring)
        return self.ring[min(max(index - first, 0), len(self.ring) - 1)][0]

    def state_dict(self) -> dict[str, Any]:
        """JSON-able state; ``from_state`` continues exactly where it stopped."""
        return {"config": asdict(self.config), "detector": self.detector.state_dict(), "seen": self.seen,
                "ring": list(self.ring), "pending": self.pending, "dropped": self.dropped,
                "profile": [[phase, *mean_visits] for phase, mean_visits in self.profile.items()],
                "whitener": None if self.whitener is None else self.whitener.state_dict(), "skipped": self.skipped}

    @classmethod
    def from_state(cls, saved: dict[str, Any] | None) -> BoundaryTracker:
        """Inverse of :meth:`state_dict`; a state without a detector (a configured, unfed stream, or a stream
        older than this feature) starts afresh with the saved configuration, or the defaults.

        Example:
            >>> tracker = BoundaryTracker.new(TrackerConfig(model="seasonal", period=4))
            >>> _ = [tracker.observe(float(i), float(i % 4)) for i in range(30)]
            >>> BoundaryTracker.from_state(tracker.state_dict()).state_dict() == tracker.state_dict()
            True
        """
        saved = saved or {}
        config = TrackerConfig.from_dict(saved.get("config"))
        if "detector" not in saved:
            return cls.new(config)
        seen = int(saved["seen"])
        profile = {int(p): [float(m), float(v)] for p, m, v in saved.get("profile", [])}
        if bool(saved.get("whitener")) != (config.noise == "ar1"):
            # a tracked stream's noise model was changed: its posterior and ring hold the other model's values, so
            # tracking starts afresh on the new one from the next point
            return replace(cls.new(config), seen=seen, skipped=seen, profile=profile)
        # a state older than the counter skipped only a seasonal first cycle
        skipped = int(saved.get("skipped", min(config.period or 0, seen)))
        return cls(skipped=skipped, config=config, detector=OnlineDetector.from_state(saved["detector"]), seen=seen,
                   ring=deque(saved.get("ring", []), maxlen=cls._ring_size(config)),
                   pending=list(saved.get("pending", [])), dropped=int(saved.get("dropped", 0)), profile=profile,
                   whitener=Ar1Whitener.from_state(saved["whitener"]) if saved.get("whitener") else None)
