"""Economic and behavioural library: importing it registers its scenarios."""
from __future__ import annotations

from kernels.scenarios.economic import behaviour, markets

__all__ = ["behaviour", "markets"]
