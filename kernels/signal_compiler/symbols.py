"""Calibration on the first window: histogram bins, energy baseline and categorical energies.

Both compilers call these functions on the same first window, so batch and streaming
symbols are bit-identical.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kernels.signal_compiler.config import SignalConfig


@dataclass(frozen=True)
class Calibration:
    """Fixed after the first window.

    Attributes:
        low: left edge of the first histogram bin (numeric streams).
        bins_per_unit: ``K / (high - low)``; a value's bin is ``floor((x - low) * bins_per_unit)``.
        alphabet_size: K.
        baseline: energy reference level (value units, or nats for categorical streams).
        energy_of_symbol: (K,) float64 surprisal ``-log p_ref(a)`` of each symbol under the
            first window's Laplace-smoothed histogram (categorical streams), else ``None``.
    """

    low: float
    bins_per_unit: float
    alphabet_size: int
    baseline: float
    energy_of_symbol: np.ndarray | None = None


def numeric_calibration(first: np.ndarray, config: SignalConfig) -> Calibration:
    """Bins and baseline from the first window of a numeric stream.

    Example:
        >>> cal = numeric_calibration(np.array([0.0, 1.0, 2.0, 4.0]), SignalConfig(window=4, n_bins=4))
        >>> cal.low, cal.bins_per_unit, cal.baseline
        (0.0, 1.0, 1.75)
    """
    if config.value_range is not None:
        low, high = config.value_range
    else:
        low, high = float(np.min(first)), float(np.max(first))
        if high <= low:
            low, high = low - 0.5, high + 0.5
    baseline = float(np.mean(first)) if config.baseline is None else float(config.baseline)
    bins_per_unit = config.n_bins / (high - low)
    return Calibration(low=low, bins_per_unit=bins_per_unit, alphabet_size=config.n_bins, baseline=baseline)


def numeric_symbols(x: np.ndarray, cal: Calibration) -> np.ndarray:
    """(n,) int64 bin index of each value, clipped into [0, K-1]."""
    raw = np.floor((x - cal.low) * cal.bins_per_unit)
    return np.clip(raw, 0, cal.alphabet_size - 1).astype(np.int64)


def numeric_symbol(x: float, cal: Calibration) -> int:
    """Scalar twin of ``numeric_symbols`` (same arithmetic, so the same bin)."""
    raw = np.floor((x - cal.low) * cal.bins_per_unit)
    return int(min(max(raw, 0), cal.alphabet_size - 1))


def categorical_calibration(first: np.ndarray, alphabet_size: int, config: SignalConfig) -> Calibration:
    """Reference surprisal per symbol and energy baseline from the first window of symbols.

    The energy variable of an event is its surprisal ``-log((c_a + 1) / (w + K))`` under the
    first window's counts ``c``: in statistical mechanics a state's energy is, up to a
    temperature factor, minus the log of its probability.

    Example:
        >>> cal = categorical_calibration(np.array([0, 0, 1]), 2, SignalConfig(window=3))
        >>> np.round(cal.energy_of_symbol, 3).tolist()
        [0.511, 0.916]
    """
    counts = np.bincount(first, minlength=alphabet_size).astype(np.float64)
    energy = -np.log((counts + 1.0) / (first.size + alphabet_size))
    baseline = float(np.mean(energy[first])) if config.baseline is None else float(config.baseline)
    return Calibration(
        low=0.0, bins_per_unit=1.0, alphabet_size=alphabet_size, baseline=baseline, energy_of_symbol=energy
    )


def check_symbols(symbols: np.ndarray, alphabet_size: int) -> np.ndarray:
    """Validate integer codes in [0, alphabet_size); returns them as int64."""
    codes = np.asarray(symbols)
    if codes.ndim != 1 or not np.issubdtype(codes.dtype, np.integer):
        raise ValueError("symbols must be a 1-D integer array")
    if alphabet_size < 2 or (codes.size and (codes.min() < 0 or codes.max() >= alphabet_size)):
        raise ValueError(f"symbols must lie in [0, {alphabet_size}) with alphabet_size >= 2")
    return codes.astype(np.int64)
