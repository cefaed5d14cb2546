"""Configuration of the windowed thermodynamic signal compiler."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SignalConfig:
    """Window geometry and binning shared by the batch and the streaming compiler.

    Attributes:
        window: points per window ``w`` (>= 3: the entropy rate needs two pairs).
        step: points between consecutive window starts ``s`` (>= 1). The batch cost is lowest
            when ``gcd(window, step)`` is large (e.g. ``step = window // 2``).
        n_bins: histogram bins ``K`` for numeric streams (the alphabet of their symbols).
        value_range: fixed ``(low, high)`` bin range; values outside fall in the edge bins.
            ``None`` = adaptive: the first window's ``[min, max]`` (widened by 0.5 when flat).
        baseline: reference level of the energy; ``None`` = the first window's mean.

    Example:
        >>> SignalConfig(window=8, step=4).window
        8
    """

    window: int = 64
    step: int = 32
    n_bins: int = 16
    value_range: tuple[float, float] | None = None
    baseline: float | None = None

    def __post_init__(self) -> None:
        if self.window < 3 or self.step < 1 or self.n_bins < 2:
            raise ValueError("window >= 3, step >= 1 and n_bins >= 2 are required")
        if self.value_range is not None and not self.value_range[1] > self.value_range[0]:
            raise ValueError("value_range must be (low, high) with high > low")
