"""NAB (Numenta Anomaly Benchmark) scoring, reimplemented from its published description.

Pure functions over arrays; loading CSV/JSON files is the caller's job (see ``benchmarks/nab.py``).
"""

from __future__ import annotations

from kernels.nab.corpus import ProfileResult, ThresholdCurve, file_score_at, normalise, score_corpus, threshold_curve
from kernels.nab.profiles import PROFILES, NabProfile
from kernels.nab.sweeper import FileSweep, file_sweep, probationary_length, scaled_sigmoid, window_indices

__all__ = [
    "PROFILES",
    "FileSweep",
    "NabProfile",
    "ProfileResult",
    "ThresholdCurve",
    "file_score_at",
    "file_sweep",
    "normalise",
    "probationary_length",
    "scaled_sigmoid",
    "score_corpus",
    "threshold_curve",
    "window_indices",
]
