"""Streaming signal compiler: ``update(t, x)`` does O(1) amortised work per point.

State: a ring buffer of the last ``w + s + 1`` (symbol, deviation) pairs, running sums of the
deviation, its square, its lag-1 products and baseline crossings, and five incremental
histograms (current window, the window one step earlier, their sum, the window's pairs and
the pairs' first symbols), each keeping ``sum c log c`` so an entropy costs O(1). Every
``w`` points all running sums are recomputed from the buffer, so rounding cannot drift.
Its rows equal the batch compiler's windows to floating-point tolerance.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import numpy as np

from kernels.signal_compiler.batch import FLAT_TOLERANCE
from kernels.signal_compiler.config import SignalConfig
from kernels.signal_compiler.symbols import (
    Calibration,
    categorical_calibration,
    check_symbols,
    numeric_calibration,
    numeric_symbol,
    numeric_symbols,
)
from kernels.signal_compiler.types import SignalRow


class _Counter:
    """Histogram with an incrementally maintained ``sum c log c`` and number of occupied bins."""

    __slots__ = ("counts", "s", "occupied", "table")

    def __init__(self, table: list[float]) -> None:
        self.counts: dict[int, int] = {}
        self.s = 0.0
        self.occupied = 0
        self.table = table  # table[c] = c log c, precomputed up to the largest possible count

    def add(self, key: int) -> None:
        c = self.counts.get(key, 0)
        self.s += self.table[c + 1] - self.table[c]
        self.counts[key] = c + 1
        if c == 0:
            self.occupied += 1

    def remove(self, key: int) -> None:
        c = self.counts[key]
        self.s += self.table[c - 1] - self.table[c]
        if c == 1:
            del self.counts[key]
            self.occupied -= 1
        else:
            self.counts[key] = c - 1

    def refresh(self) -> None:
        self.s = math.fsum(self.table[c] for c in self.counts.values())

    def state_dict(self) -> list[Any]:
        return [list(self.counts), list(self.counts.values()), self.s, self.occupied]

    def load(self, state: list[Any]) -> None:
        keys, counts, self.s, self.occupied = state
        self.counts = {int(k): int(c) for k, c in zip(keys, counts, strict=True)}
        self.s, self.occupied = float(self.s), int(self.occupied)


class SignalStream:
    """Streaming twin of ``compile_signals`` / ``compile_categorical``.

    Args:
        config: window geometry and bins (same meaning as in the batch form).
        alphabet_size: ``None`` for numeric values; K for categorical integer codes in [0, K).

    ``update`` returns a ``SignalRow`` each time a window completes (after the first ``w``
    points, then every ``s`` points) and ``None`` otherwise. The first window is buffered to
    calibrate bins and baseline, exactly as the batch form does.

    Example:
        >>> s = SignalStream(SignalConfig(window=4, step=2, n_bins=2))
        >>> rows = [s.update(float(i), float(i % 2)) for i in range(6)]
        >>> [r is not None for r in rows]
        [False, False, False, True, False, True]
    """

    def __init__(self, config: SignalConfig | None = None, alphabet_size: int | None = None) -> None:
        self.config = config or SignalConfig()
        self.alphabet_size = alphabet_size
        w, s = self.config.window, self.config.step
        self._size = w + s + 1
        self._sym = [0] * self._size
        self._dev = [0.0] * self._size
        self._pending: list[tuple[float, float]] = []
        self._cal: Calibration | None = None
        self._t = -1
        self._previous: tuple[float, ...] | None = None
        self._sums = [0.0, 0.0, 0.0, 0.0]  # deviation, squared deviation, lag-1 product, crossings
        table = (np.arange(2 * w + 2) * np.log(np.maximum(np.arange(2 * w + 2), 1))).tolist()
        self._window, self._lagged, self._mixed, self._pairs, self._heads = (_Counter(table) for _ in range(5))

    def state_dict(self) -> dict[str, Any]:
        """The state as JSON-able values plus numpy arrays (the ring buffers, the categorical energies); the
        stream continues exactly where it stopped. The c log c table is rebuilt from the config."""
        cal = self._cal
        counters = (self._window, self._lagged, self._mixed, self._pairs, self._heads)
        return {
            "config": {**asdict(self.config), "value_range": (list(self.config.value_range)
                                                              if self.config.value_range else None)},
            "alphabet_size": self.alphabet_size, "t": self._t, "pending": [[t, x] for t, x in self._pending],
            "sym": np.asarray(self._sym, dtype=np.int64), "dev": np.asarray(self._dev, dtype=np.float64),
            "previous": list(self._previous) if self._previous is not None else None, "sums": list(self._sums),
            "counters": [c.state_dict() for c in counters],
            "calibration": None if cal is None else {
                "low": cal.low, "bins_per_unit": cal.bins_per_unit, "alphabet_size": cal.alphabet_size,
                "baseline": cal.baseline, "energy_of_symbol": cal.energy_of_symbol},
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SignalStream:
        """Inverse of :meth:`state_dict`.

        Example:
            >>> s = SignalStream(SignalConfig(window=4, step=2, n_bins=2))
            >>> _ = [s.update(float(i), float(i % 3)) for i in range(9)]
            >>> twin = SignalStream.from_state(s.state_dict())
            >>> twin.update(9.0, 1.0) == s.update(9.0, 1.0)
            True
        """
        config = dict(state["config"])
        config["value_range"] = tuple(config["value_range"]) if config["value_range"] is not None else None
        stream = cls(SignalConfig(**config), alphabet_size=state["alphabet_size"])
        stream._t = int(state["t"])
        stream._pending = [(float(t), x) for t, x in state["pending"]]
        stream._sym, stream._dev = state["sym"].tolist(), state["dev"].tolist()
        stream._previous = tuple(state["previous"]) if state["previous"] is not None else None
        stream._sums = [float(v) for v in state["sums"]]
        counters = (stream._window, stream._lagged, stream._mixed, stream._pairs, stream._heads)
        for counter, saved in zip(counters, state["counters"], strict=True):
            counter.load(saved)
        cal = state["calibration"]
        if cal is not None:
            stream._cal = Calibration(low=float(cal["low"]), bins_per_unit=float(cal["bins_per_unit"]),
                                      alphabet_size=int(cal["alphabet_size"]), baseline=float(cal["baseline"]),
                                      energy_of_symbol=cal["energy_of_symbol"])
        return stream

    def update(self, t: float, x: float) -> SignalRow | None:
        """Consume one point (numeric value or integer code) stamped ``t`` seconds."""
        if self._cal is None:
            self._pending.append((t, x))
            return self._calibrate() if len(self._pending) == self.config.window else None
        cal = self._cal
        if cal.energy_of_symbol is None:
            if not math.isfinite(x):
                raise ValueError("values must be finite")
            sym = numeric_symbol(x, cal)
            dev = x - cal.baseline
        else:
            if not isinstance(x, (int, np.integer)) or not 0 <= x < cal.alphabet_size:
                raise ValueError(f"symbols must be integers in [0, {cal.alphabet_size})")
            sym = int(x)
            dev = float(cal.energy_of_symbol[sym]) - cal.baseline
        return self._advance(t, sym, dev)

    def _calibrate(self) -> SignalRow | None:
        times = [t for t, _ in self._pending]
        raw = [x for _, x in self._pending]
        first = self.config.window
        if self.alphabet_size is None:
            values = np.asarray(raw, dtype=np.float64)
            if not np.all(np.isfinite(values)):
                raise ValueError("values must be finite")
            self._cal = numeric_calibration(values[:first], self.config)
            symbols, energies = numeric_symbols(values, self._cal), values
        else:
            symbols = check_symbols(np.asarray(raw), self.alphabet_size)
            self._cal = categorical_calibration(symbols[:first], self.alphabet_size, self.config)
            assert self._cal.energy_of_symbol is not None  # a categorical calibration always has one
            energies = self._cal.energy_of_symbol[symbols]
        row = None
        for t, sym, energy in zip(times, symbols.tolist(), energies.tolist(), strict=True):
            row = self._advance(t, sym, energy - self._cal.baseline)
        self._pending = []
        return row

    def _advance(self, time: float, sym: int, dev: float) -> SignalRow | None:
        """Slide every window one point forward; emit a row when a window completes."""
        w, s = self.config.window, self.config.step
        self._t += 1
        t = self._t
        size, syms, devs = self._size, self._sym, self._dev
        syms[t % size], devs[t % size] = sym, dev
        self._enter(sym, dev, syms[(t - 1) % size], devs[(t - 1) % size], t)
        if t >= w:
            self._leave(syms[(t - w) % size], devs[(t - w) % size], syms[(t - w + 1) % size], devs[(t - w + 1) % size])
        if t >= s:
            self._lagged.add(syms[(t - s) % size])
            self._mixed.add(syms[(t - s) % size])
        if t >= s + w:
            self._lagged.remove(syms[(t - s - w) % size])
            self._mixed.remove(syms[(t - s - w) % size])
        if t % w == 0:
            self._refresh()
        if t < w - 1 or (t - w + 1) % s:
            return None
        return self._emit(time)

    def _enter(self, sym: int, dev: float, prev_sym: int, prev_dev: float, t: int) -> None:
        sums = self._sums
        sums[0] += dev
        sums[1] += dev * dev
        self._window.add(sym)
        self._mixed.add(sym)
        if t >= 1:
            sums[2] += prev_dev * dev
            sums[3] += (prev_dev >= 0) != (dev >= 0)
            self._pairs.add(prev_sym * self._k() + sym)
            self._heads.add(prev_sym)

    def _leave(self, old_sym: int, old_dev: float, next_sym: int, next_dev: float) -> None:
        sums = self._sums
        sums[0] -= old_dev
        sums[1] -= old_dev * old_dev
        sums[2] -= old_dev * next_dev
        sums[3] -= (old_dev >= 0) != (next_dev >= 0)
        self._window.remove(old_sym)
        self._mixed.remove(old_sym)
        self._pairs.remove(old_sym * self._k() + next_sym)
        self._heads.remove(old_sym)

    def _k(self) -> int:
        return self._cal.alphabet_size if self._cal is not None else 0

    def _refresh(self) -> None:
        """Recompute the running sums exactly from the buffer (O(w) every w points)."""
        w, t, size = self.config.window, self._t, self._size
        devs = [self._dev[j % size] for j in range(max(0, t - w + 1), t + 1)]
        pairs = list(zip(devs[:-1], devs[1:], strict=True))
        self._sums = [
            math.fsum(devs),
            math.fsum(d * d for d in devs),
            math.fsum(a * b for a, b in pairs),
            float(sum((a >= 0) != (b >= 0) for a, b in pairs)),
        ]
        for counter in (self._window, self._lagged, self._mixed, self._pairs, self._heads):
            counter.refresh()

    def _emit(self, time: float) -> SignalRow:
        w, k, cal = self.config.window, self._k(), self._cal
        assert cal is not None  # rows exist only after calibration
        total, squares, lag, crossings = self._sums
        mean = total / w
        energy = squares / w
        temperature = energy - mean * mean
        temperature = temperature if temperature > FLAT_TOLERANCE * energy else 0.0
        head = total - self._dev[self._t % self._size]
        tail = total - self._dev[(self._t - w + 1) % self._size]
        lag_sum = lag - mean * (head + tail) + (w - 1) * mean * mean
        lag1 = lag_sum / ((w - 1) * temperature) if temperature > 0 else 0.0
        entropy = math.log(w) - self._window.s / w
        rate = (self._heads.s - self._pairs.s) / (w - 1)
        production = 0.0
        if self._previous is not None:
            mixed = math.log(2.0 * w) - self._mixed.s / (2.0 * w)
            production = mixed - (math.log(w) - (self._window.s + self._lagged.s) / (2.0 * w))
        signals = (energy, temperature, entropy, rate, energy - temperature * entropy, production)
        before = self._previous or signals
        gradients = tuple(a - b for a, b in zip(signals, before, strict=True))
        self._previous = signals
        return SignalRow(
            end=self._t, time=float(time), mean=mean + cal.baseline, energy=energy, temperature=temperature,
            entropy=entropy, entropy_rate=rate, free_energy=signals[4], production=production, lag1=lag1,
            crossing_rate=crossings / (w - 1), support=self._window.occupied / k, gradients=gradients,
            alphabet_size=k, baseline=cal.baseline,
        )
