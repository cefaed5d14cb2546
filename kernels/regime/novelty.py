"""Building blocks of the detector: quantisers, Good-Turing novelty and running extremes.

All classes do O(1) work per observation and hold plain Python floats/ints, because the
detector runs one point at a time and numpy scalars would cost more than the arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

LOG10 = math.log(10.0)


@dataclass(frozen=True)
class Scale:
    """Robust location/scale of the learning period: 5 %, 50 % and 95 % quantiles.

    Example:
        >>> s = Scale.from_sample([0.0, 1.0, 2.0, 3.0, 4.0])
        >>> s.low, s.median, s.high
        (0.0, 2.0, 3.0)
    """

    low: float
    median: float
    high: float
    minimum: float
    maximum: float

    @classmethod
    def from_sample(cls, sample: Sequence[float]) -> Scale:
        ordered = sorted(sample)
        last = len(ordered) - 1
        return cls(
            low=ordered[int(0.05 * last)],
            median=ordered[last // 2],
            high=ordered[int(0.95 * last)],
            minimum=ordered[0],
            maximum=ordered[-1],
        )

    def width(self, bins: float) -> float:
        """Bin width: the 5-95 % range over ``bins``, falling back to the full range, then to 1 % of the level."""
        width = (self.high - self.low) / bins
        if width <= 0:
            width = (self.maximum - self.minimum) / bins
        if width <= 0:
            width = max(abs(self.maximum) * 0.01, 1e-9)
        return width


class GoodTuringNovelty:
    """Surprisal of seeing a never-seen state, by the Good-Turing estimate P(novel) = N1 / N.

    ``observe`` returns ``-log10((N1 + 1) / (N + 1))`` (decades) when the key is new and 0
    otherwise, then counts it. N is the number of observations, N1 the number of keys seen
    exactly once: a stream that keeps producing new states (noise, heavy tails) keeps N1
    high and its novelties cheap, while a stream that settled makes a new state expensive.

    Example:
        >>> g = GoodTuringNovelty()
        >>> [round(g.observe(k), 3) for k in (1, 1, 1, 2)]
        [0.0, 0.0, 0.0, 0.602]
    """

    __slots__ = ("counts", "total", "singletons")

    def __init__(self) -> None:
        self.counts: dict[Hashable, int] = {}
        self.total = 0
        self.singletons = 0

    def observe(self, key: Hashable) -> float:
        seen = self.counts.get(key, 0)
        surprisal = 0.0
        if seen == 0:
            surprisal = math.log((self.total + 1.0) / (self.singletons + 1.0)) / LOG10
            self.singletons += 1
        elif seen == 1:
            self.singletons -= 1
        self.counts[key] = seen + 1
        self.total += 1
        return surprisal

    def state_dict(self) -> dict[str, Any]:
        """JSON-able state; tuple keys (the context channel's) become lists."""
        keys = [list(k) if isinstance(k, tuple) else k for k in self.counts]
        return {"keys": keys, "counts": list(self.counts.values()), "total": self.total,
                "singletons": self.singletons}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> GoodTuringNovelty:
        """Inverse of :meth:`state_dict`.

        Example:
            >>> g = GoodTuringNovelty()
            >>> _ = [g.observe(k) for k in (1, (2, 3), 1)]
            >>> GoodTuringNovelty.from_state(g.state_dict()).counts == g.counts
            True
        """
        novelty = cls()
        keys = [tuple(k) if isinstance(k, list) else k for k in state["keys"]]
        novelty.counts = dict(zip(keys, (int(c) for c in state["counts"]), strict=True))
        novelty.total, novelty.singletons = int(state["total"]), int(state["singletons"])
        return novelty


class RunningRange:
    """All-time minimum and maximum; ``excess`` is how far a value leaves that range.

    Example:
        >>> r = RunningRange(0.0)
        >>> _ = r.observe(10.0)
        >>> r.excess(12.0)
        0.2
    """

    __slots__ = ("low", "high")

    def __init__(self, first: float) -> None:
        self.low = first
        self.high = first

    def excess(self, x: float) -> float:
        """Distance outside [low, high] as a fraction of its width (1 % of |high| for a flat history)."""
        span = self.high - self.low
        if span <= 0:
            span = abs(self.high) * 0.01 + 1e-9
        return max(x - self.high, self.low - x, 0.0) / span

    def observe(self, x: float) -> float:
        """Excess of ``x``, then widen the range to include it."""
        out = self.excess(x)
        if x < self.low:
            self.low = x
        if x > self.high:
            self.high = x
        return out
