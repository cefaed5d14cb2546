"""Graded suppression of repeated alarms with a sliding maximum (monotonic deque)."""

from __future__ import annotations

from collections import deque
from typing import Any


class GradedSuppressor:
    """Pass a point's evidence only if it beats every evidence of the recent past.

    The look-back at index ``t`` is ``max(minimum, int(fraction * t))`` points (never reaching
    before ``start``). Because the window's left edge only moves forward, a deque holding
    decreasing evidences gives the window maximum in O(1) amortised time. Unlike a fixed
    "quiet period after an alarm", this needs no threshold: a stronger event still passes.

    Example:
        >>> s = GradedSuppressor(minimum=2, fraction=0.0, start=0)
        >>> [s.step(t, e) for t, e in enumerate([1.0, 0.5, 2.0, 0.0, 0.0, 0.5])]
        [1.0, 0.0, 2.0, 0.0, 0.0, 0.5]
    """

    __slots__ = ("minimum", "fraction", "start", "window")

    def __init__(self, minimum: int, fraction: float, start: int) -> None:
        self.minimum = minimum
        self.fraction = fraction
        self.start = start
        self.window: deque[tuple[int, float]] = deque()

    def step(self, t: int, evidence: float) -> float:
        """Return ``evidence`` if it exceeds the maximum over the look-back, else 0; then remember it."""
        left = max(self.start, t - max(self.minimum, int(self.fraction * t)))
        window = self.window
        while window and window[0][0] < left:
            window.popleft()
        passed = evidence if evidence > (window[0][1] if window else 0.0) else 0.0
        while window and window[-1][1] <= evidence:
            window.pop()
        window.append((t, evidence))
        return passed

    def state_dict(self) -> dict[str, Any]:
        return {"minimum": self.minimum, "fraction": self.fraction, "start": self.start,
                "window": [[t, e] for t, e in self.window]}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> GradedSuppressor:
        suppressor = cls(int(state["minimum"]), float(state["fraction"]), int(state["start"]))
        suppressor.window.extend((int(t), float(e)) for t, e in state["window"])
        return suppressor
