"""Where in a forecast to run a job: the start that minimises the mean carbon intensity (or price) over the
job's run, among the starts that let it finish before its deadline.

A forecast is piecewise constant: ``values[i]`` holds on ``[starts[i], ends[i])`` and the slots are contiguous
and ordered. Outside the forecast the nearest slot's value holds (a flat extrapolation, never a guess of a
trend). Times are seconds (any epoch, float64); values are gCO2e/kWh or a price per MWh, the kernel does not
care which.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Forecast:
    """Contiguous slots: ``starts``, ``ends`` and ``values`` are float64 arrays of shape (n,), n >= 1.

    >>> f = Forecast.from_values([400.0, 100.0, 300.0], start=0.0, step=3600.0)
    >>> f.ends.tolist()
    [3600.0, 7200.0, 10800.0]
    """

    starts: np.ndarray
    ends: np.ndarray
    values: np.ndarray

    def __post_init__(self) -> None:
        if not (self.starts.shape == self.ends.shape == self.values.shape) or self.starts.size == 0:
            raise ValueError("starts, ends and values need the same non-empty shape")
        if np.any(self.ends <= self.starts) or np.any(self.starts[1:] != self.ends[:-1]):
            raise ValueError("the slots must be contiguous, ordered and of positive length")

    @classmethod
    def from_values(cls, values: list[float] | np.ndarray, *, start: float, step: float) -> Forecast:
        v = np.asarray(values, dtype=np.float64)
        starts = start + step * np.arange(v.size, dtype=np.float64)
        return cls(starts=starts, ends=starts + step, values=v)

    def integral(self, at: np.ndarray) -> np.ndarray:
        """The running integral of the value from ``starts[0]`` to each time in ``at`` (value x seconds)."""
        x = np.asarray(at, dtype=np.float64)
        widths = self.ends - self.starts
        cumulative = np.concatenate([[0.0], np.cumsum(self.values * widths)])
        i = np.clip(np.searchsorted(self.starts, x, side="right") - 1, 0, self.values.size - 1)
        return np.asarray(cumulative[i] + self.values[i] * (x - self.starts[i]))


def window_mean(forecast: Forecast, starts: np.ndarray, durations: np.ndarray) -> np.ndarray:
    """Mean value over ``[start, start + duration)`` for each pair (durations > 0, seconds).

    >>> f = Forecast.from_values([400.0, 100.0], start=0.0, step=10.0)
    >>> window_mean(f, np.array([0.0, 5.0, 10.0]), np.array([10.0, 10.0, 10.0])).tolist()
    [400.0, 250.0, 100.0]
    """
    s = np.asarray(starts, dtype=np.float64)
    d = np.asarray(durations, dtype=np.float64)
    return np.asarray((forecast.integral(s + d) - forecast.integral(s)) / d)


@dataclass(frozen=True)
class Placement:
    start: float  # seconds, the chosen start
    mean: float  # the forecast's mean over the run from `start`
    at_once_mean: float  # the mean had the job started at `earliest`
    feasible: bool  # False when even `earliest` cannot finish before the deadline (then start == earliest)


def best_start(forecast: Forecast, *, duration_s: float, earliest: float, deadline: float) -> Placement:
    """The start in ``[earliest, deadline - duration_s]`` with the lowest mean value over the run.

    The sliding-window integral of a piecewise-constant signal is piecewise linear in the start, so its minimum
    sits where the window's start or end meets a slot boundary, or at an end of the range: only those starts
    are tried. Ties go to the earliest start (the job then has the most slack left should it fail).
    Cost: O(n log n) for n slots.

    >>> f = Forecast.from_values([400.0, 100.0, 100.0, 300.0], start=0.0, step=3600.0)
    >>> p = best_start(f, duration_s=3600.0, earliest=0.0, deadline=4 * 3600.0)
    >>> (p.start, p.mean, p.at_once_mean, p.feasible)
    (3600.0, 100.0, 400.0, True)
    >>> best_start(f, duration_s=3600.0, earliest=0.0, deadline=1800.0).feasible
    False
    """
    latest = deadline - duration_s
    now = window_mean(forecast, np.array([earliest]), np.array([duration_s]))
    if latest < earliest:
        return Placement(start=earliest, mean=float(now[0]), at_once_mean=float(now[0]), feasible=False)
    edges = np.concatenate([forecast.starts, forecast.ends[-1:]])
    candidates = np.concatenate([[earliest, latest], edges, edges - duration_s])
    candidates = np.unique(candidates[(candidates >= earliest) & (candidates <= latest)])
    means = window_mean(forecast, candidates, np.full(candidates.shape, duration_s))
    best = int(np.argmin(means))
    return Placement(start=float(candidates[best]), mean=float(means[best]), at_once_mean=float(now[0]),
                     feasible=True)
