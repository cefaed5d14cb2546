"""Windowed thermodynamic signals of value and event streams (batch and streaming forms)."""

from __future__ import annotations

from kernels.signal_compiler.batch import compile_categorical, compile_signals
from kernels.signal_compiler.config import SignalConfig
from kernels.signal_compiler.physics import PHYSICS_DIM, PHYSICS_FEATURES, physics_vector, physics_vector_of
from kernels.signal_compiler.streaming import SignalStream
from kernels.signal_compiler.types import SIGNAL_NAMES, SignalRow, WindowSignals, stack_rows
from kernels.signal_compiler.validate import SignalFlag, ValidationReport, validate_signals

__all__ = [
    "PHYSICS_DIM",
    "PHYSICS_FEATURES",
    "SIGNAL_NAMES",
    "SignalConfig",
    "SignalFlag",
    "SignalRow",
    "SignalStream",
    "ValidationReport",
    "WindowSignals",
    "compile_categorical",
    "compile_signals",
    "physics_vector",
    "physics_vector_of",
    "stack_rows",
    "validate_signals",
]
