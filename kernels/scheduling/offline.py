"""Whole-trace policies for replaying a job trace against a signal: run at once, and the offline optimum.

Jobs are given as arrays of shape (m,): ``arrivals`` and ``deadlines`` in seconds, ``durations`` in seconds
(> 0). With no cap on how many jobs run at once each job's best window is independent of the others, so
placing every job at its own minimum over the *actual* series is the optimum of the whole trace: a lower
bound no forecast-driven, capacity-limited scheduler can beat.
"""
from __future__ import annotations

import numpy as np

from kernels.scheduling.windows import Forecast, best_start, window_mean


def offline_optimum(actual: Forecast, arrivals: np.ndarray, durations: np.ndarray,
                    deadlines: np.ndarray) -> np.ndarray:
    """Starts (float64, shape (m,)) minimising each job's mean intensity over the actual series.

    >>> actual = Forecast.from_values([500.0, 50.0, 500.0], start=0.0, step=100.0)
    >>> offline_optimum(actual, np.array([0.0, 0.0]), np.array([100.0, 100.0]), np.array([300.0, 100.0])).tolist()
    [100.0, 0.0]
    """
    return np.array([best_start(actual, duration_s=float(d), earliest=float(a), deadline=float(dl)).start
                     for a, d, dl in zip(arrivals, durations, deadlines, strict=True)], dtype=np.float64)


def emissions(actual: Forecast, starts: np.ndarray, durations: np.ndarray, energy_kwh: np.ndarray) -> np.ndarray:
    """Grams CO2e per job: its energy (kWh, spread evenly over its run) times the actual mean intensity.

    >>> actual = Forecast.from_values([500.0, 50.0], start=0.0, step=100.0)
    >>> emissions(actual, np.array([0.0, 100.0]), np.array([100.0, 100.0]), np.array([2.0, 2.0])).tolist()
    [1000.0, 100.0]
    """
    return np.asarray(window_mean(actual, starts, durations) * np.asarray(energy_kwh, dtype=np.float64))


def deadline_misses(starts: np.ndarray, durations: np.ndarray, deadlines: np.ndarray) -> int:
    """How many jobs finish after their deadline.

    >>> deadline_misses(np.array([0.0, 50.0]), np.array([100.0, 100.0]), np.array([100.0, 100.0]))
    1
    """
    return int(np.count_nonzero(np.asarray(starts) + np.asarray(durations) > np.asarray(deadlines) + 1e-9))
