"""Result types of the signal compiler."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SIGNAL_NAMES = ("energy", "temperature", "entropy", "entropy_rate", "free_energy", "production")


@dataclass(frozen=True)
class WindowSignals:
    """Signals of ``m`` windows (arrays of shape (m,), float64 unless noted).

    Attributes:
        end: int64 index of each window's last point.
        time: timestamp of that point (seconds; the index itself when no timestamps were given).
        mean: window mean of the energy variable (value units; nats for categorical streams).
        energy: mean squared deviation from ``baseline`` (units squared).
        temperature: window variance (units squared).
        entropy: Shannon entropy of the window's symbol histogram (nats, in [0, log K]).
        entropy_rate: conditional entropy H(X_k | X_k-1) of consecutive symbols (nats).
        free_energy: ``energy - temperature * entropy`` (units squared).
        production: Jensen-Shannon divergence to the previous window's histogram (nats, in
            [0, log 2]; 0 for the first window).
        lag1: lag-1 autocorrelation of the energy variable inside the window.
        crossing_rate: share of consecutive pairs on opposite sides of ``baseline``.
        support: share of the K symbols present in the window.
        gradients: (m, 6) first differences of the six ``SIGNAL_NAMES`` signals per window
            step (row 0 is 0).
        alphabet_size: K, the number of possible symbols.
        baseline: the energy reference level.
    """

    end: np.ndarray
    time: np.ndarray
    mean: np.ndarray
    energy: np.ndarray
    temperature: np.ndarray
    entropy: np.ndarray
    entropy_rate: np.ndarray
    free_energy: np.ndarray
    production: np.ndarray
    lag1: np.ndarray
    crossing_rate: np.ndarray
    support: np.ndarray
    gradients: np.ndarray
    alphabet_size: int
    baseline: float

    @property
    def n_windows(self) -> int:
        return int(self.end.size)

    def table(self) -> np.ndarray:
        """(m, 6) float64 of the ``SIGNAL_NAMES`` signals, in that order."""
        return np.stack([getattr(self, name) for name in SIGNAL_NAMES], axis=1)


@dataclass(frozen=True)
class SignalRow:
    """One window from the streaming compiler; fields mirror ``WindowSignals`` as floats."""

    end: int
    time: float
    mean: float
    energy: float
    temperature: float
    entropy: float
    entropy_rate: float
    free_energy: float
    production: float
    lag1: float
    crossing_rate: float
    support: float
    gradients: tuple[float, ...]
    alphabet_size: int
    baseline: float


def stack_rows(rows: Sequence[SignalRow]) -> WindowSignals:
    """Collect streaming rows into a ``WindowSignals`` (for comparison with the batch form).

    Example:
        >>> from kernels.signal_compiler.streaming import SignalStream
        >>> from kernels.signal_compiler.config import SignalConfig
        >>> s = SignalStream(SignalConfig(window=4, step=2))
        >>> rows = [r for i in range(8) if (r := s.update(float(i), float(i % 3))) is not None]
        >>> stack_rows(rows).n_windows
        3
    """
    if not rows:
        raise ValueError("no rows to stack")
    arrays = {
        name: np.array([getattr(r, name) for r in rows], dtype=np.float64)
        for name in ("time", "mean", *SIGNAL_NAMES, "lag1", "crossing_rate", "support")
    }
    return WindowSignals(
        end=np.array([r.end for r in rows], dtype=np.int64),
        gradients=np.array([r.gradients for r in rows], dtype=np.float64),
        alphabet_size=rows[0].alphabet_size,
        baseline=rows[0].baseline,
        **arrays,
    )
