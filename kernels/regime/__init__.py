"""Streaming regime-shift / anomaly detection over (timestamp, value) streams."""

from __future__ import annotations

from kernels.regime.config import DetectorConfig
from kernels.regime.detector import DetectionResult, RegimeDetector, detect_stream

__all__ = ["DetectionResult", "DetectorConfig", "RegimeDetector", "detect_stream"]
