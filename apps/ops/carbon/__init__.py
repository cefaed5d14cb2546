"""Grid carbon intensity and energy price per region, from pluggable providers (see registry.py)."""
from __future__ import annotations

from apps.ops.carbon.base import CarbonError, CarbonPoint
from apps.ops.carbon.registry import forecast, intensity_at

__all__ = ["CarbonError", "CarbonPoint", "forecast", "intensity_at"]
