"""Per-stream streaming state: the regime detector and the signal compiler, fed point by point as batches arrive
(no look-ahead: a point's score uses only the points before it). Stored in StreamState between batches in the
versioned JSON + .npy format of apps/signals/state.py."""
from __future__ import annotations

import math
from collections import deque
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import datetime
from typing import Any

import numpy as np

from apps.signals.severity import SeverityCalibration, SeverityEvidence
from kernels.regime import DetectorConfig, RegimeDetector
from kernels.regime.surprisal import symbol_surprisal
from kernels.signal_compiler.config import SignalConfig
from kernels.signal_compiler.physics import physics_vector
from kernels.signal_compiler.streaming import SignalStream
from kernels.signal_compiler.types import SIGNAL_NAMES, SignalRow, stack_rows

RECENT = 120  # points an alert's explanation compares against
VECTOR_HISTORY = 256  # windows the physics vector's expanding statistics look back over (bounds the state size)
CATEGORICAL_ALPHABET = 64  # distinct symbols tracked per stream; rarer newcomers share the last code
# No statistic of values within the ingest domain (|v| <= 1e15: squares 1e30, sums of squares over any history
# far below 1e60) comes near this; a state holding such a number was fed an out-of-domain value.
STATE_LIMIT = 1e60
STATE_WALK_DEPTH = 6  # the processor's state nests at most a few levels (processor > detector > buffer > pair)


@dataclass
class ScoredPoint:
    ts: datetime
    value: float
    symbol: str
    score: float
    alarm: bool
    severity: SeverityEvidence | None = None  # set on alarms only


@dataclass
class ClosedWindow:
    index: int
    row: SignalRow
    start_ts: datetime
    end_ts: datetime
    count: int
    minimum: float
    maximum: float
    max_score: float
    flags: list[str]
    vector: list[float]


@dataclass
class StreamProcessor:
    kind: str
    window_size: int
    detector: RegimeDetector
    compiler: SignalStream
    codes: dict[str, int] = field(default_factory=dict)
    symbol_counts: dict[int, int] = field(default_factory=dict)
    symbol_total: int = 0
    window_index: int = 0
    window: list[ScoredPoint] = field(default_factory=list)
    last_row: SignalRow | None = None
    recent: deque[ScoredPoint] = field(default_factory=lambda: deque(maxlen=RECENT))
    rows: deque[SignalRow] = field(default_factory=lambda: deque(maxlen=VECTOR_HISTORY))
    calibration: SeverityCalibration = field(default_factory=SeverityCalibration)

    @classmethod
    def new(cls, *, kind: str, window_size: int, n_bins: int = 16,
            value_range: tuple[float, float] | None = None,
            detector: dict[str, Any] | None = None) -> StreamProcessor:
        config = SignalConfig(window=window_size, step=window_size, n_bins=n_bins, value_range=value_range)
        alphabet = CATEGORICAL_ALPHABET if kind == "categorical" else None
        return cls(kind=kind, window_size=window_size, detector=RegimeDetector(DetectorConfig(**(detector or {}))),
                   compiler=SignalStream(config, alphabet_size=alphabet))

    def _energy_value(self, symbol: str) -> tuple[float, int]:
        """A categorical event's energy is its surprisal -ln p under the counts seen before it (nats)."""
        surprisal, code = symbol_surprisal(self.codes, self.symbol_counts, self.symbol_total, symbol,
                                           CATEGORICAL_ALPHABET)
        self.symbol_total += 1
        return surprisal, code

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Only migration signals.0008 unpickles (run time never does): states pickled by an older release lack
        # newer fields, which get their defaults.
        state.setdefault("recent", deque(state.get("window", []), maxlen=RECENT))
        state.setdefault("rows", deque(maxlen=VECTOR_HISTORY))
        # Severity calibration starts with this release: such a stream calibrates afresh (capped below "high").
        state.setdefault("calibration", SeverityCalibration())
        self.__dict__.update(state)

    def explain_alarm(self, point: ScoredPoint, units: str) -> tuple[str, dict[str, Any]]:
        """Called right after `process` returned an alarm, so the context is what preceded that point."""
        return explain(point, list(self.recent), self.last_row, units)

    def process(self, ts: datetime, value: float, symbol: str) -> tuple[ScoredPoint, ClosedWindow | None]:
        compiler_input: float | int = value
        if self.kind == "categorical":
            value, compiler_input = self._energy_value(symbol)
        seconds = ts.timestamp()
        score, alarm = self.detector.update(seconds, value)
        point = ScoredPoint(ts, value, symbol, float(score), bool(alarm))
        if point.alarm:
            point.severity = self.calibration.evidence(value, point.score)
        scored = self.detector.count > self.detector.config.learning_period
        self.calibration.observe(value, point.score, scored=scored)
        self.window.append(point)
        self.recent.append(point)
        row = self.compiler.update(seconds, compiler_input)
        if row is None:
            return point, None
        closed = self._close(row)
        return point, closed

    def _close(self, row: SignalRow) -> ClosedWindow:
        points = self.window[-self.window_size:]
        self.window = []
        flags = [name for name in SIGNAL_NAMES if not math.isfinite(getattr(row, name))]
        if row.entropy < 0 or row.entropy > math.log(max(row.alphabet_size, 2)) + 1e-9:
            flags.append("entropy_out_of_bounds")
        if row.temperature < 0:
            flags.append("negative_temperature")
        self.rows.append(row)
        vector = [float(v) for v in physics_vector(stack_rows(list(self.rows)))[-1]]
        if not all(math.isfinite(v) for v in vector):
            flags.append("vector_not_finite")
        closed = ClosedWindow(index=self.window_index, row=row, vector=vector, start_ts=points[0].ts,
                              end_ts=points[-1].ts,
                              count=len(points), minimum=min(p.value for p in points),
                              maximum=max(p.value for p in points), max_score=max(p.score for p in points),
                              flags=flags)
        self.window_index += 1
        self.last_row = row
        return closed

    def poisoned(self) -> bool:
        """True when the state holds a number no value inside the stream's domain could have produced: a
        non-finite one, or one past STATE_LIMIT. Releases before the ingest bound accepted values like 1e200,
        whose Infinity then reached every later window."""
        return _poisoned(self, 0)


def renewed(processor: StreamProcessor) -> StreamProcessor:
    """A fresh processor with `processor`'s configuration (history and calibration start over)."""
    config = processor.compiler.config
    return StreamProcessor.new(kind=processor.kind, window_size=processor.window_size, n_bins=config.n_bins,
                               value_range=config.value_range, detector=asdict(processor.detector.config))


def _poisoned(value: Any, depth: int) -> bool:
    if isinstance(value, bool) or depth > STATE_WALK_DEPTH:
        return False
    if isinstance(value, (int, float, np.floating, np.integer)):
        return not math.isfinite(value) or abs(float(value)) > STATE_LIMIT
    if isinstance(value, np.ndarray):
        numeric = value.dtype.kind in "fiu"
        return numeric and bool(value.size) and bool((~np.isfinite(value) | (np.abs(value) > STATE_LIMIT)).any())
    if isinstance(value, dict):
        return any(_poisoned(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple, deque)):
        return any(_poisoned(v, depth + 1) for v in value)
    if is_dataclass(value) or hasattr(value, "__dict__"):
        return any(_poisoned(v, depth + 1) for v in vars(value).values())
    return False


def explain(point: ScoredPoint, recent: list[ScoredPoint], last_row: SignalRow | None,
            units: str) -> tuple[str, dict[str, Any]]:
    """Which signal moved and by how much, in words and numbers, from the points before the alarm."""
    before = [p.value for p in recent[:-1]] or [point.value]
    mean = sum(before) / len(before)
    spread = math.sqrt(sum((v - mean) ** 2 for v in before) / max(1, len(before) - 1)) or 1e-12
    z = (point.value - mean) / spread
    evidence: dict[str, Any] = {"value": point.value, "recent_mean": mean, "recent_std": spread, "z": z,
                                "score": point.score}
    direction = "above" if z > 0 else "below"
    text = (f"Value {point.value:.4g}{(' ' + units) if units else ''} is {abs(z):.1f} standard deviations {direction} "
            f"the recent mean {mean:.4g} (regime score {point.score:.2f}).")
    if last_row is not None:
        evidence["last_window"] = {name: getattr(last_row, name) for name in SIGNAL_NAMES}
        text += (f" Last window: entropy {last_row.entropy:.3f} nats, entropy production {last_row.production:.3f} "
                 f"nats, temperature {last_row.temperature:.4g}.")
    return text, evidence
