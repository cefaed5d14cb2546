"""Process building blocks of the economic and cyber scenarios (h17b's block; pure numpy).

Every block takes a ``np.random.Generator`` and returns float64 arrays of shape (n,), so a scenario is a few lines
of composition. Units are the caller's: a block returns rates or levels, the scenario says what they measure.

Example:
    >>> rng = np.random.default_rng(0)
    >>> bool(hawkes_counts_varying(rng, 500, base=2.0, branching=0.5, decay=0.3).mean() > 2.0)
    True
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from kernels.scenarios.processes import grid, onset_index
from kernels.scenarios.registry import register
from kernels.scenarios.types import REGIMES, Regime, Scenario, ScenarioSpec


def daily_shape(times_s: np.ndarray, *, peaks: tuple[float, ...] = (13.0,), width_h: float = 3.0,
                floor: float = 0.2) -> np.ndarray:
    """Time-of-day profile in [floor, 1]: Gaussian bumps at ``peaks`` (hours, wrapped at midnight)."""
    hours = (np.asarray(times_s, dtype=np.float64) / 3600.0) % 24.0
    shape = np.zeros_like(hours)
    for peak in peaks:
        gap = np.minimum(np.abs(hours - peak), 24.0 - np.abs(hours - peak))
        shape = np.maximum(shape, np.exp(-0.5 * (gap / width_h) ** 2))
    return floor + (1.0 - floor) * shape


def weekly_shape(times_s: np.ndarray, *, weekend: float = 0.6) -> np.ndarray:
    """1 on weekdays, ``weekend`` on days 5 and 6 (t = 0 is a Monday, 00:00)."""
    day = (np.asarray(times_s, dtype=np.float64) // 86400.0).astype(np.int64) % 7
    return np.where(day >= 5, weekend, 1.0)


def ou(rng: np.random.Generator, n: int, *, mean: float, theta: float, sigma: float,
       start: float | None = None) -> np.ndarray:
    """Ornstein-Uhlenbeck (discrete AR(1)): x' = x + theta (mean - x) + sigma eps; mean reversion per step, so the
    lag-1 correlation is 1 - theta and the stationary spread sigma / sqrt(2 theta - theta^2).

    Example:
        >>> x = ou(np.random.default_rng(1), 20_000, mean=5.0, theta=0.5, sigma=0.5)
        >>> round(float(x.mean()), 1), round(float(x.std()), 2)
        (5.0, 0.57)
    """
    out = np.empty(n)
    x = mean if start is None else start
    eps = rng.standard_normal(n)
    for i in range(n):
        x = x + theta * (mean - x) + sigma * eps[i]
        out[i] = x
    return out


def garch_returns(rng: np.random.Generator, n: int, *, omega: float, alpha: float, beta: float,
                  shock_df: float = 5.0, scale: np.ndarray | None = None) -> np.ndarray:
    """GARCH(1,1) returns with Student-t shocks (Bollerslev 1986): the stylised volatility clustering of prices.
    ``scale`` (n,) multiplies the unconditional variance per step (a volatility regime)."""
    scale = np.ones(n) if scale is None else scale
    shocks = rng.standard_t(shock_df, n) / np.sqrt(shock_df / (shock_df - 2.0))
    var = omega / max(1e-12, 1.0 - alpha - beta)
    out = np.empty(n)
    prev = 0.0
    for i in range(n):
        var = omega * scale[i] + alpha * prev ** 2 + beta * var
        prev = np.sqrt(var) * shocks[i]
        out[i] = prev
    return out


def hawkes_counts_varying(rng: np.random.Generator, n: int, *, base: float | np.ndarray,
                          branching: float | np.ndarray, decay: float) -> np.ndarray:
    """Counts per step of a discrete Hawkes process: intensity = base + branching * decay * sum of past counts
    weighted exp(-decay * lag). ``branching`` < 1 is stationary (mean base / (1 - branching)); near 1 each event
    triggers another, the run-on cascades of bank runs. Unlike ``processes.hawkes_counts`` the branching ratio may
    change over time (a run is the branching ratio rising towards 1)."""
    base_a = np.broadcast_to(np.asarray(base, dtype=np.float64), (n,))
    branch_a = np.broadcast_to(np.asarray(branching, dtype=np.float64), (n,))
    keep = np.exp(-decay)
    memory = 0.0
    out = np.empty(n)
    for i in range(n):
        lam = base_a[i] + branch_a[i] * (1.0 - keep) * memory
        count = rng.poisson(max(lam, 0.0))
        out[i] = count
        memory = keep * memory + count
    return out


def markov_symbols(rng: np.random.Generator, n: int, matrix: np.ndarray, labels: list[str],
                   start: int = 0) -> np.ndarray:
    """A first-order Markov chain over ``labels`` with row-stochastic ``matrix``: navigation, routing, protocol
    sequences. Returns (n,) str."""
    cumulative = np.cumsum(matrix, axis=1)
    draws = rng.random(n)
    state = start
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        state = int(np.searchsorted(cumulative[state], draws[i] * cumulative[state, -1]))
        out[i] = state
    return np.asarray(labels, dtype=str)[out]


def zipf_symbols(rng: np.random.Generator, n: int, labels: list[str], exponent: float) -> np.ndarray:
    """Independent draws from a Zipf law over ``labels`` (rank 1 most frequent): ports, user agents, domains.

    Example:
        >>> s = zipf_symbols(np.random.default_rng(0), 1000, ["a", "b", "c"], 2.0)
        >>> [int((s == k).sum()) > 100 for k in "abc"]
        [True, True, False]
    """
    ranks = np.arange(1, len(labels) + 1, dtype=np.float64)
    weights = ranks ** -exponent
    return np.asarray(labels, dtype=str)[rng.choice(len(labels), size=n, p=weights / weights.sum())]


def next_hour(times_s: np.ndarray, onset: int | None, hours: tuple[float, float]) -> int | None:
    """The first index at or after ``onset`` whose time of day lies in [hours[0], hours[1]) (a store closure shows
    when the store would have opened, a strike starts with the first trains); ``onset`` itself if none does."""
    if onset is None:
        return None
    of_day = (np.asarray(times_s[onset:]) / 3600.0) % 24.0
    inside = np.flatnonzero((of_day >= hours[0]) & (of_day < hours[1]))
    return onset + int(inside[0]) if inside.size else onset


def mix_symbols(rng: np.random.Generator, normal: np.ndarray, attack: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Per step, ``attack[i]`` with probability ``share[i]``, else ``normal[i]``."""
    return np.where(rng.random(normal.shape[0]) < share, attack, normal)


Build = Callable[[np.random.Generator, np.ndarray, "int | None"], dict[str, np.ndarray]]


def library_spec(key: str, sampling_s: float, build: Build, *, process: str, source: str, failure: str,
                 n_points: int = 2000) -> ScenarioSpec:
    """Registers a scenario whose ``build(rng, times_s, onset)`` returns {role: values} (and, for event streams
    with irregular times, "__times_s__"; for failures that can only start at some hours, "__onset__"). The onset
    is drawn in [0.6, 0.75) of the episode from its own generator, so a seed's normal and failure episodes share
    every value before the onset (``build`` draws the same random numbers whatever the onset)."""
    def generate(regime: Regime, n: int, seed: int) -> Scenario:
        if regime not in REGIMES:
            raise ValueError(f"regime is normal or failure, not {regime!r}")
        onset = onset_index(np.random.default_rng([seed, 1]), n) if regime == "failure" else None
        values = build(np.random.default_rng(seed), grid(n, sampling_s), onset)
        times_s = values.pop("__times_s__", grid(n, sampling_s))
        onset = int(values.pop("__onset__", onset)) if onset is not None else None
        values.pop("__onset__", None)
        return Scenario(key=key, regime=regime, values=values, times_s=times_s, onset=onset)

    return register(ScenarioSpec(key=key, generate=generate, process=process, source=source, failure=failure,
                                 sampling_s=sampling_s, n_points=n_points))
