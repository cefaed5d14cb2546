"""Change-point detection and segmentation: exact offline PELT and online Bayesian detection.

Start with :func:`segment` (defaults need no tuning) or :class:`OnlineDetector` for streams;
``docs/signals.md`` ("Change points") explains the models, the default and its limits.
"""

from __future__ import annotations

from kernels.changepoint.config import OnlineConfig, SegmentConfig
from kernels.changepoint.offline import segment
from kernels.changepoint.online import OnlineDetector
from kernels.changepoint.pelt import pelt
from kernels.changepoint.types import ChangePoint, Segment, Segmentation

__all__ = [
    "ChangePoint",
    "OnlineConfig",
    "OnlineDetector",
    "Segment",
    "SegmentConfig",
    "Segmentation",
    "pelt",
    "segment",
]
