"""Energy of each unit of work (sampler.py); the figures behind JobEnergy rows."""
from __future__ import annotations

from apps.ops.energy.sampler import Measurement, MeasurementBox, measure, model_joules

__all__ = ["Measurement", "MeasurementBox", "measure", "model_joules"]
