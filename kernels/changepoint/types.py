"""Result types of the change-point kernels (frozen, JSON-ready through ``to_dict``)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Segment:
    """One regime: rows ``[start, end)`` of the caller's series.

    ``slope`` is per second when timestamps were given, else per row; ``scale`` is a robust
    standard deviation (MAD of the residuals around the segment's line); ``features`` holds
    the signal compiler's energy/entropy signals of the segment when it has >= 8 points.
    """

    start: int
    end: int
    t_start: float | None
    t_end: float | None
    n: int
    mean: float
    scale: float
    slope: float
    features: dict[str, float]


@dataclass(frozen=True)
class ChangePoint:
    """A boundary between two regimes; ``index`` is the first row of the new one (never 0).

    ``gain`` is the fall in penalised cost (-2 log-likelihood plus penalty) bought by keeping
    this change rather than merging its two neighbours; ``confidence`` = gain / 2 through a
    logistic, the posterior probability of the change under equal prior odds when the
    penalised cost is read as a BIC (so every reported change has confidence >= 0.5).
    """

    index: int
    t: float | None
    confidence: float
    gain: float
    kind: str
    summary: str
    stats: dict[str, float]


@dataclass(frozen=True)
class Segmentation:
    """Segments covering the whole series plus the change points between them."""

    segments: tuple[Segment, ...]
    change_points: tuple[ChangePoint, ...]
    model: str
    penalty: float
    period: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; non-finite floats become ``None``.

        Example:
            >>> Segmentation((), (), "mean", 3.0, None).to_dict()
            {'segments': [], 'change_points': [], 'model': 'mean', 'penalty': 3.0, 'period': None}
        """
        return _finite(asdict(self))


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
