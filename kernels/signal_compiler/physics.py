"""The physics vector: a fixed-length, scale-free embedding of each window of any stream.

Every feature is dimensionless (z-scores, log-ratios, entropies over their ceilings, rates),
so windows of a CPU metric, a byte counter and a port-number stream are comparable. Every
feature of window i uses windows 0..i only, so the vector can be built online.
"""

from __future__ import annotations

import math

import numpy as np

from kernels.signal_compiler.batch import compile_categorical, compile_signals
from kernels.signal_compiler.config import SignalConfig
from kernels.signal_compiler.types import WindowSignals

PHYSICS_FEATURES = (
    "energy_z",  # asinh of E's z-score against all earlier windows (0 for the first two)
    "log_temperature",  # log(T / T_ref), T_ref = first positive temperature (0 until one exists)
    "entropy_norm",  # S / log K, in [0, 1]
    "entropy_rate_norm",  # h / log K, in [0, 1]
    "production_norm",  # JS / log 2, in [0, 1]
    "free_energy_ratio",  # (E - T S) / (E + T S), in [-1, 1]
    "mean_shift_z",  # asinh((mean - baseline) / sqrt(T_ref))
    "shift_energy_fraction",  # (E - T) / E: share of energy due to the mean shift, in [0, 1]
    "d_entropy_norm",  # per-window-step differences of features 2, 3, 4, 1 and 0
    "d_entropy_rate_norm",
    "d_production_norm",
    "d_log_temperature",
    "d_energy_z",
    "lag1_autocorrelation",  # clipped to [-1, 1]: spectral colour (1 = slow, -1 = alternating)
    "crossing_rate",  # share of consecutive pairs crossing the baseline
    "support_fraction",  # share of the K symbols present in the window
)
PHYSICS_DIM = len(PHYSICS_FEATURES)
TEMPERATURE_FLOOR = 1e-12  # relative to T_ref: keeps log(T / T_ref) finite for flat windows


def physics_vector(signals: WindowSignals) -> np.ndarray:
    """Embed compiled signals as an (m, 16) float64 array, columns in ``PHYSICS_FEATURES`` order.

    Example:
        >>> sig = compile_signals(np.sin(np.arange(256.0) / 5), SignalConfig(window=32, step=16))
        >>> physics_vector(sig).shape
        (15, 16)
    """
    log_k = math.log(signals.alphabet_size)
    energy, temperature, entropy = signals.energy, signals.temperature, signals.entropy
    energy_z = _expanding_z(energy)
    log_t, shift_z = _relative_to_first_temperature(signals)
    ts = temperature * entropy
    with np.errstate(divide="ignore", invalid="ignore"):
        free_ratio = np.where(energy + ts > 0, (energy - ts) / (energy + ts), 0.0)
        shift_fraction = np.where(energy > 0, (energy - temperature) / energy, 0.0)
    levels = np.stack(
        [entropy / log_k, signals.entropy_rate / log_k, signals.production / math.log(2.0), log_t, energy_z], axis=1
    )
    steps = np.zeros_like(levels)
    steps[1:] = np.diff(levels, axis=0)
    columns = [energy_z, log_t, *levels[:, :3].T, free_ratio, shift_z, shift_fraction, *steps.T]
    columns += [np.clip(signals.lag1, -1.0, 1.0), signals.crossing_rate, signals.support]
    return np.stack(columns, axis=1).astype(np.float64)


def physics_vector_of(
    data: np.ndarray, config: SignalConfig | None = None, alphabet_size: int | None = None
) -> np.ndarray:
    """Compile and embed in one call: numeric values, or integer codes when ``alphabet_size`` is given.

    Example:
        >>> physics_vector_of(np.arange(100) % 7, SignalConfig(window=20, step=10), alphabet_size=7).shape
        (9, 16)
    """
    if alphabet_size is None:
        return physics_vector(compile_signals(data, config))
    return physics_vector(compile_categorical(data, alphabet_size, config))


def _expanding_z(values: np.ndarray) -> np.ndarray:
    """asinh of each value's z-score against all earlier values (shifted sums avoid cancellation)."""
    shifted = values - values[0]
    count = np.arange(values.size, dtype=np.float64)
    s1, s2 = np.r_[0.0, np.cumsum(shifted)[:-1]], np.r_[0.0, np.cumsum(shifted * shifted)[:-1]]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s1 / count
        std = np.sqrt(np.maximum(s2 / count - mean * mean, 0.0))
        z = np.where((count >= 2) & (std > 0), (shifted - mean) / std, 0.0)
    return np.arcsinh(z)


def _relative_to_first_temperature(signals: WindowSignals) -> tuple[np.ndarray, np.ndarray]:
    """log(T / T_ref) and asinh(mean shift / sqrt(T_ref)), 0 before the first positive temperature."""
    temperature = signals.temperature
    positive = np.flatnonzero(temperature > 0)
    log_t, shift_z = np.zeros(temperature.size), np.zeros(temperature.size)
    if positive.size:
        first, reference = positive[0], temperature[positive[0]]
        after = slice(first, None)
        log_t[after] = np.log((temperature[after] + TEMPERATURE_FLOOR * reference) / reference)
        shift_z[after] = np.arcsinh((signals.mean[after] - signals.baseline) / math.sqrt(reference))
    return log_t, shift_z
