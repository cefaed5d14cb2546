"""Process building blocks the scenario generators share (pure numpy; every random draw takes a Generator).

Shapes are textbook: an AR(1) sensor noise, a diurnal load of a few harmonics, a first-order thermal lag
(Newton's law of cooling), Poisson and self-exciting (Hawkes) event counts, Michaelis-Menten kinetics, and the
onset shapes of failures (step, ramp, exponential runaway).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAY_S = 86_400.0


def grid(n_points: int, sampling_s: float) -> np.ndarray:
    """(n,) seconds since midnight of day 0, one point every ``sampling_s``.

    Example:
        >>> grid(3, 60.0).tolist()
        [0.0, 60.0, 120.0]
    """
    return np.arange(n_points, dtype=np.float64) * sampling_s


def onset_index(rng: np.random.Generator, n_points: int, low: float = 0.6, high: float = 0.75) -> int:
    """A failure's first point, drawn in [low, high) of the episode so the learning period and some normal
    running come first."""
    return int(rng.integers(int(low * n_points), int(high * n_points)))


def ar1(rng: np.random.Generator, n_points: int, phi: float, sigma: float) -> np.ndarray:
    """Stationary AR(1) noise ``e_t = phi e_{t-1} + w_t`` with marginal standard deviation ``sigma``.

    Example:
        >>> x = ar1(np.random.default_rng(0), 20_000, 0.9, 2.0)
        >>> round(float(x.std()), 1)
        2.0
    """
    innovations = rng.normal(0.0, sigma * np.sqrt(1.0 - phi * phi), n_points)
    out = np.empty(n_points)
    state = rng.normal(0.0, sigma)
    for i, w in enumerate(innovations):
        state = phi * state + w
        out[i] = state
    return out


def diurnal(times_s: np.ndarray, peak_hour: float, second_harmonic: float = 0.0) -> np.ndarray:
    """A daily cycle in [-1, 1]-ish peaking at ``peak_hour`` (local time = seconds of day), with an optional
    second harmonic (a morning and an evening peak).

    Example:
        >>> round(float(diurnal(np.array([15 * 3600.0]), 15.0)[0]), 3)
        1.0
    """
    phase = 2 * np.pi * (times_s / DAY_S - peak_hour / 24.0)
    return (np.cos(phase) + second_harmonic * np.cos(2 * phase)) / (1.0 + abs(second_harmonic))


def first_order_lag(drive: np.ndarray, dt_s: float, tau_s: float, start: float | None = None) -> np.ndarray:
    """Response ``y`` of ``tau dy/dt = drive - y`` sampled every ``dt_s`` (exact for a drive held over each step):
    thermal inertia, a tank's level, a sensor's time constant.

    Example:
        >>> y = first_order_lag(np.ones(3), 60.0, 60.0, start=0.0)
        >>> [round(v, 3) for v in y.tolist()]
        [0.632, 0.865, 0.95]
    """
    keep = float(np.exp(-dt_s / tau_s))
    out = np.empty(drive.size)
    y = float(drive[0]) if start is None else start
    for i, u in enumerate(drive.tolist()):
        y = keep * y + (1.0 - keep) * u
        out[i] = y
    return out


def poisson_counts(rng: np.random.Generator, rate: np.ndarray) -> np.ndarray:
    """Event counts per step for a time-varying mean ``rate`` (events per step), as float64."""
    return rng.poisson(np.maximum(rate, 0.0)).astype(np.float64)


def hawkes_counts(rng: np.random.Generator, base: np.ndarray, branching: float, decay: float) -> np.ndarray:
    """Self-exciting counts per step: intensity ``base + branching * sum_k decay^k * n_{t-k}`` (discrete
    Hawkes); ``branching / (1 - decay) < 1`` keeps it stationary. Bursts of retries, alarms, spikes.

    Example:
        >>> counts = hawkes_counts(np.random.default_rng(1), np.full(5000, 2.0), 0.3, 0.5)
        >>> bool(4.0 < counts.mean() < 6.0)  # base / (1 - branching / (1 - decay)) = 5
        True
    """
    out = np.empty(base.size)
    excitation = 0.0
    for i, b in enumerate(base.tolist()):
        count = float(rng.poisson(b + branching * excitation))
        out[i] = count
        excitation = decay * excitation + count
    return out


def michaelis_menten(substrate: np.ndarray, vmax: float, km: float) -> np.ndarray:
    """Rate ``vmax S / (km + S)`` of an enzyme (or uptake) at substrate ``S`` (same units as ``km``).

    Example:
        >>> michaelis_menten(np.array([1.0, 3.0]), 2.0, 1.0).tolist()
        [1.0, 1.5]
    """
    s = np.maximum(substrate, 0.0)
    return vmax * s / (km + s)


def after(n_points: int, onset: int | None) -> np.ndarray:
    """(n,) float: 0 before ``onset``, then the points since it (0, 1, 2, ...); all 0 for a normal episode."""
    steps = np.arange(n_points, dtype=np.float64)
    return np.zeros(n_points) if onset is None else np.maximum(steps - onset + 1, 0.0) * (steps >= onset)


def step(n_points: int, onset: int | None, size: float) -> np.ndarray:
    """``size`` from ``onset`` on (a level shift)."""
    return size * (after(n_points, onset) > 0)


def ramp(n_points: int, onset: int | None, per_point: float, cap: float | None = None) -> np.ndarray:
    """A drift of ``per_point`` per point from ``onset``, saturating at ``cap`` when given."""
    out = per_point * after(n_points, onset)
    return out if cap is None else np.clip(out, -abs(cap), abs(cap))


def runaway(n_points: int, onset: int | None, size: float, doubling_points: float) -> np.ndarray:
    """An exponential departure (thermal runaway, a colony's growth): ``size * (2^(k/doubling) - 1)``."""
    return size * (np.exp2(after(n_points, onset) / doubling_points) - 1.0) * (after(n_points, onset) > 0)


FAULT_SHAPES = ("step", "ramp", "runaway", "variance", "rate", "oscillation")


@dataclass(frozen=True)
class Channel:
    """One measured quantity: ``level`` + a daily cycle of ``daily`` (peaking at ``peak_hour``) + AR(1) noise
    (``noise`` marginal sd, ``phi`` lag-1 correlation) + white sensor noise ``jitter``, optionally seen through a
    first-order lag of ``lag_s`` (thermal mass, a tank, a sensor membrane) and clipped to [low, high]. ``counts``
    makes the value the Poisson count of events whose mean is that drive (per sample)."""

    level: float
    noise: float
    phi: float = 0.0
    jitter: float = 0.0
    daily: float = 0.0
    peak_hour: float = 14.0
    lag_s: float | None = None
    counts: bool = False
    low: float = -np.inf
    high: float = np.inf
    decimals: int = 3


@dataclass(frozen=True)
class Fault:
    """A failure's signature on one channel from onset: ``step`` (level shift by ``size``), ``ramp`` (``size``
    reached after ``points``), ``runaway`` (doubling every ``points``, ``size`` after one doubling), ``variance``
    (noise multiplied by ``size``), ``rate`` (the counts' mean multiplied by ``size``), ``oscillation`` (a
    sinusoid of amplitude ``size`` and period ``points``)."""

    shape: str
    size: float
    points: float = 1.0

    def __post_init__(self) -> None:
        if self.shape not in FAULT_SHAPES:
            raise ValueError(f"shape must be one of {FAULT_SHAPES}")


def channel(rng: np.random.Generator, times_s: np.ndarray, spec: Channel, fault: Fault | None = None,
            onset: int | None = None) -> np.ndarray:
    """(n,) values of ``spec`` on ``times_s`` with ``fault`` from ``onset`` (None: normal running).

    Example:
        >>> t = grid(400, 60.0)
        >>> x = channel(np.random.default_rng(0), t, Channel(20.0, 0.5, 0.8), Fault("step", 5.0), 300)
        >>> bool(x[300:].mean() - x[:300].mean() > 4.0)
        True
    """
    n = times_s.size
    active = fault if onset is not None else None
    since = after(n, onset) if active is not None else np.zeros(n)
    noise_gain = np.where(since > 0, active.size, 1.0) if active and active.shape == "variance" else 1.0
    drive = spec.level + spec.daily * diurnal(times_s, spec.peak_hour) + noise_gain * ar1(rng, n, spec.phi, spec.noise)
    if active is not None:
        drive = drive + _fault_offset(active, since)
    if spec.lag_s is not None:
        drive = first_order_lag(drive, float(times_s[1] - times_s[0]), spec.lag_s)
    if spec.counts:
        gain = np.where(since > 0, active.size, 1.0) if active and active.shape == "rate" else 1.0
        return poisson_counts(rng, np.clip(drive, 0.0, None) * gain)
    drive = drive + noise_gain * rng.normal(0.0, spec.jitter, n) if spec.jitter else drive
    return np.round(np.clip(drive, spec.low, spec.high), spec.decimals)


def _fault_offset(fault: Fault, since: np.ndarray) -> np.ndarray:
    on = since > 0
    if fault.shape == "step":
        return fault.size * on
    if fault.shape == "ramp":
        return fault.size * np.minimum(since / fault.points, 1.0)
    if fault.shape == "runaway":
        return fault.size * (np.exp2(since / fault.points) - 1.0) * on
    if fault.shape == "oscillation":
        return fault.size * np.sin(2 * np.pi * since / fault.points) * on
    return np.zeros(since.size)  # variance and rate act on the noise and the counts
