"""Physical validity checks on compiled signals, reported as structured flags."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kernels.signal_compiler.types import SIGNAL_NAMES, WindowSignals

FLOAT_FIELDS = ("time", "mean", *SIGNAL_NAMES, "lag1", "crossing_rate", "support")


@dataclass(frozen=True)
class SignalFlag:
    """One violation: ``window`` index, ``signal`` name, ``problem`` code and offending ``value``.

    Problem codes: ``nan``, ``inf``, ``negative_entropy``, ``entropy_above_max``,
    ``negative_temperature``, ``negative_energy``, ``production_out_of_range``.
    """

    window: int
    signal: str
    problem: str
    value: float


@dataclass(frozen=True)
class ValidationReport:
    """All flags of a ``WindowSignals``; ``ok`` is True when there are none."""

    flags: tuple[SignalFlag, ...]

    @property
    def ok(self) -> bool:
        return not self.flags

    def problems(self) -> set[str]:
        return {f.problem for f in self.flags}


def validate_signals(signals: WindowSignals, tol: float = 1e-9) -> ValidationReport:
    """Flag physically invalid values instead of passing them on silently.

    Checks every window for NaN/inf (all float fields and gradients), entropies outside
    [0, log K], negative temperature or energy and production outside [0, log 2]; ``tol``
    absorbs rounding.

    Example:
        >>> import numpy as np
        >>> from kernels.signal_compiler.batch import compile_signals
        >>> from kernels.signal_compiler.config import SignalConfig
        >>> sig = compile_signals(np.sin(np.arange(64.0)), SignalConfig(window=16, step=8))
        >>> validate_signals(sig).ok
        True
    """
    flags: list[SignalFlag] = []
    for name in FLOAT_FIELDS:
        flags += _non_finite(name, np.asarray(getattr(signals, name), dtype=np.float64))
    for j, name in enumerate(SIGNAL_NAMES):
        flags += _non_finite(f"gradient_{name}", np.asarray(signals.gradients, dtype=np.float64)[:, j])
    ceiling = math.log(signals.alphabet_size) + tol
    for name in ("entropy", "entropy_rate"):
        flags += _outside(name, signals, "negative_entropy", lambda v: v < -tol)
        flags += _outside(name, signals, "entropy_above_max", lambda v: v > ceiling)
    flags += _outside("temperature", signals, "negative_temperature", lambda v: v < -tol)
    flags += _outside("energy", signals, "negative_energy", lambda v: v < -tol)
    out_of_range = lambda v: (v < -tol) | (v > math.log(2.0) + tol)  # noqa: E731
    flags += _outside("production", signals, "production_out_of_range", out_of_range)
    return ValidationReport(flags=tuple(sorted(flags, key=lambda f: (f.window, f.signal, f.problem))))


def _non_finite(name: str, values: np.ndarray) -> list[SignalFlag]:
    out = [SignalFlag(int(i), name, "nan", float(values[i])) for i in np.flatnonzero(np.isnan(values))]
    return out + [SignalFlag(int(i), name, "inf", float(values[i])) for i in np.flatnonzero(np.isinf(values))]


def _outside(name: str, signals: WindowSignals, problem: str, test) -> list[SignalFlag]:
    values = np.asarray(getattr(signals, name), dtype=np.float64)
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(test(values) & np.isfinite(values))
    return [SignalFlag(int(i), name, problem, float(values[i])) for i in bad]
