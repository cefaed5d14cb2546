"""Streaming regime-shift / anomaly detector: per-point score in [0, 1] and an alarm decision.

Three surprise channels, each self-calibrating per stream, are fused and then de-duplicated:

* **record** - the value leaves the all-time range (a new extreme), measured in range widths;
* **novelty** - the value falls in a never-seen level, in a linear *and* an asinh (tail-
  compressed) quantisation; its surprisal is the Good-Turing self-information
  ``-log10 P(novel)``, so noisy or heavy-tailed streams, which keep making new levels, pay
  little for them and settled streams pay a lot;
* **context** - the same Good-Turing surprisal for a never-seen (time-of-day, level) pair,
  which catches a normal value at an abnormal hour (missing daily peaks, flat days).

Evidence ``e = w_r r + n + w_c c`` (each term clipped to [0, 1] before weighting) passes only
if it beats all evidence of the recent look-back (``GradedSuppressor``), because NAB-style
scoring rewards only the first detection of an event. The score is ``e / (e + scale)``.

Opt-in (``DetectorConfig.shift_test``): a two-sided CUSUM on the learnt level (``kernels/regime/shift.py``) also
alarms on sustained rises and falls that stay inside the learnt range, such as a Poisson rate falling by 40 %.

No look-ahead: a point's score is computed from that point and the points before it. The
first ``learning_period`` points score 0; they are buffered, fix the quantisation scale,
and are then replayed into the counters.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from kernels.regime.config import DetectorConfig
from kernels.regime.novelty import GoodTuringNovelty, RunningRange, Scale
from kernels.regime.shift import SECONDS_PER_DAY, ShiftCusum
from kernels.regime.suppression import GradedSuppressor

RECORD_SATURATION = 0.02  # a new extreme 2 % of the range past it is full record evidence
NOVELTY_SPAN = 2.0  # decades of surprisal from zero to full novelty evidence
CONTEXT_SPAN = 1.5


@dataclass(frozen=True)
class DetectionResult:
    """Output of ``detect_stream``: ``scores`` (n,) float64 in [0, 1), ``alarms`` (n,) bool."""

    scores: np.ndarray
    alarms: np.ndarray


class RegimeDetector:
    """Streaming detector; ``update(t, x)`` does O(1) amortised work per point.

    Args:
        config: parameters (one set for every stream).

    Example:
        >>> det = RegimeDetector(DetectorConfig(learning_period=20))
        >>> outs = [det.update(60.0 * i, float(i % 5)) for i in range(40)]
        >>> score, alarm = det.update(2400.0, 50.0)
        >>> alarm, round(score, 3)
        (True, 0.898)
    """

    def __init__(self, config: DetectorConfig | None = None) -> None:
        self.config = config or DetectorConfig()
        self.count = 0
        self._buffer: list[tuple[float, float]] = []
        self._ready = False
        self._shift: ShiftCusum | None = None
        self._suppressor = GradedSuppressor(
            self.config.suppress_min, self.config.suppress_fraction, self.config.learning_period
        )

    def update(self, t: float, x: float) -> tuple[float, bool]:
        """Consume one point (``t`` in seconds, ``x`` finite) and return ``(score, alarm)``."""
        index = self.count
        self.count += 1
        if not self._ready:
            self._buffer.append((t, x))
            if self.count == self.config.learning_period:
                self._start()
            return 0.0, False
        evidence = self._evidence(t, x)
        score = self._suppressor.step(index, evidence)
        score = score / (score + self.config.score_scale)
        # a sustained shift inside the learnt range is an anomaly too (opt-in: DetectorConfig.shift_test)
        if self._shift is not None and self._shift.update(t, x):
            score = max(score, self.config.alarm_threshold)
        return score, score >= self.config.alarm_threshold

    def _start(self) -> None:
        """Fix the quantisers on the learning period, then replay it into the counters."""
        cfg = self.config
        scale = Scale.from_sample([x for _, x in self._buffer])
        self._origin, self._median = scale.low, scale.median
        self._width = scale.width(cfg.value_bins)
        self._tail_width = scale.width(cfg.tail_bins)
        self._context_width = scale.width(cfg.context_bins)
        self._range = RunningRange(self._buffer[0][1])
        self._linear, self._tail, self._context = GoodTuringNovelty(), GoodTuringNovelty(), GoodTuringNovelty()
        for t, x in self._buffer:
            self._channels(t, x)
        if cfg.shift_test != "off":
            self._shift = ShiftCusum(cfg.shift())
            self._shift.learn(self._buffer)
        self._buffer = []
        self._ready = True

    def state_dict(self) -> dict[str, Any]:
        """JSON-able state (plain ints, floats and lists): the detector continues exactly where it stopped."""
        state: dict[str, Any] = {"config": asdict(self.config), "count": self.count, "ready": self._ready,
                                 "buffer": [[t, x] for t, x in self._buffer],
                                 "suppressor": self._suppressor.state_dict()}
        if self._ready:
            state["scale"] = [self._origin, self._median, self._width, self._tail_width, self._context_width]
            state["range"] = [self._range.low, self._range.high]
            state["novelty"] = [g.state_dict() for g in (self._linear, self._tail, self._context)]
            if self._shift is not None:
                state["shift"] = self._shift.state_dict()
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> RegimeDetector:
        """Inverse of :meth:`state_dict`.

        Example:
            >>> det = RegimeDetector(DetectorConfig(learning_period=20))
            >>> _ = [det.update(60.0 * i, float(i % 5)) for i in range(40)]
            >>> twin = RegimeDetector.from_state(det.state_dict())
            >>> twin.update(2400.0, 50.0) == det.update(2400.0, 50.0)
            True
        """
        det = cls(DetectorConfig(**state["config"]))
        det.count, det._ready = int(state["count"]), bool(state["ready"])
        det._buffer = [(float(t), float(x)) for t, x in state["buffer"]]
        det._suppressor = GradedSuppressor.from_state(state["suppressor"])
        if det._ready:
            det._origin, det._median, det._width, det._tail_width, det._context_width = (
                float(v) for v in state["scale"])
            det._range = RunningRange(float(state["range"][0]))
            det._range.high = float(state["range"][1])
            det._linear, det._tail, det._context = (GoodTuringNovelty.from_state(g) for g in state["novelty"])
            if "shift" in state:
                det._shift = ShiftCusum.from_state(det.config.shift(), state["shift"])
        return det

    def _channels(self, t: float, x: float) -> tuple[float, float, float]:
        """(record excess, novelty surprisal, context surprisal) of ``x``, then learn it."""
        cfg = self.config
        record = self._range.observe(x)
        linear = self._linear.observe(math.floor((x - self._origin) / self._width))
        tail = self._tail.observe(math.floor(math.asinh((x - self._median) / self._tail_width) * cfg.tail_resolution))
        bucket = int((t % SECONDS_PER_DAY) * cfg.context_buckets // SECONDS_PER_DAY)
        context = self._context.observe((math.floor((x - self._origin) / self._context_width), bucket))
        return record, min(linear, tail), context

    def _evidence(self, t: float, x: float) -> float:
        cfg = self.config
        record, novelty, context = self._channels(t, x)
        e_record = min(record / RECORD_SATURATION, 1.0) if record >= cfg.record_min_excess else 0.0
        e_novelty = min(max((novelty - cfg.novelty_offset) / NOVELTY_SPAN, 0.0), 1.0)
        e_context = min(max((context - cfg.context_offset) / CONTEXT_SPAN, 0.0), 1.0)
        return cfg.record_weight * e_record + e_novelty + cfg.context_weight * e_context


def detect_stream(
    values: np.ndarray, timestamps: np.ndarray | None = None, config: DetectorConfig | None = None
) -> DetectionResult:
    """Run ``RegimeDetector`` over a whole series, point by point (same numbers as streaming).

    Args:
        values: (n,) float, finite.
        timestamps: (n,) float seconds (e.g. Unix time); ``None`` means one point per second.
        config: detector parameters.

    Returns:
        ``DetectionResult`` with (n,) scores in [0, 1) and (n,) alarms.

    Raises:
        ValueError: on non-finite values or mismatched lengths.

    Example:
        >>> x = np.r_[np.tile([1.0, 2.0, 3.0], 100), 40.0]
        >>> res = detect_stream(x)
        >>> bool(res.alarms[-1]), int(res.alarms[:-1].sum())
        (True, 0)
    """
    x = np.asarray(values, dtype=np.float64)
    ts = np.arange(x.size, dtype=np.float64) if timestamps is None else np.asarray(timestamps, dtype=np.float64)
    if x.ndim != 1 or ts.shape != x.shape:
        raise ValueError(f"values and timestamps must be 1-D of equal length, got {x.shape} and {ts.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(ts))):
        raise ValueError("values and timestamps must be finite")
    detector = RegimeDetector(config)
    update = detector.update
    pairs = [update(t, v) for t, v in zip(ts.tolist(), x.tolist(), strict=True)]
    scores = np.fromiter((p[0] for p in pairs), dtype=np.float64, count=x.size)
    alarms = np.fromiter((p[1] for p in pairs), dtype=bool, count=x.size)
    return DetectionResult(scores=scores, alarms=alarms)
