"""What a use case's scenario generator returns, and how it is described."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

Regime = Literal["normal", "failure"]
REGIMES: tuple[Regime, ...] = ("normal", "failure")


@dataclass(frozen=True)
class Scenario:
    """One synthetic (or replayed) episode of a use case.

    Attributes:
        key: the template key it exercises.
        regime: ``normal`` (the process as it should run) or ``failure`` (it fails at ``onset``).
        values: role -> (n,) array: float64 for numeric inputs, str symbols for categorical ones.
        times_s: (n,) float64 seconds since the episode's start (the sampling grid).
        onset: index of the failure's first point; None for a normal scenario.

    Example:
        >>> s = Scenario("k", "normal", {"x": np.zeros(3)}, np.arange(3.0), None)
        >>> s.n_points
        3
    """

    key: str
    regime: Regime
    values: dict[str, np.ndarray]
    times_s: np.ndarray
    onset: int | None

    def __post_init__(self) -> None:
        if (self.regime == "failure") != (self.onset is not None):
            raise ValueError("a failure scenario has an onset and a normal one has none")
        if any(v.shape != self.times_s.shape for v in self.values.values()):
            raise ValueError("every role's values must be as long as times_s")
        if self.onset is not None and not 0 < self.onset < self.times_s.size:
            raise ValueError("onset must lie inside the episode")

    @property
    def n_points(self) -> int:
        return int(self.times_s.size)


@dataclass(frozen=True)
class ScenarioSpec:
    """A use case's scenario generator and what it stands on.

    Attributes:
        key: the template key.
        generate: ``(regime, n_points, seed) -> Scenario``, deterministic in ``seed``.
        process: what is modelled (the physics, biology or behaviour), in a sentence or two.
        source: where the shape and its numbers come from (a citation).
        failure: the documented failure the failure regime injects.
        sampling_s: seconds between points.
        n_points: the episode length the evaluation uses (learning period plus enough to judge).
    """

    key: str
    generate: Callable[[Regime, int, int], Scenario]
    process: str
    source: str
    failure: str
    sampling_s: float
    n_points: int = 2000

    def scenario(self, regime: Regime, seed: int, n_points: int | None = None) -> Scenario:
        """The episode of ``regime`` for ``seed`` at the spec's own length unless told otherwise."""
        return self.generate(regime, n_points or self.n_points, seed)
