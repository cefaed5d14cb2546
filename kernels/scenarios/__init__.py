"""Scenario generators for the use-case templates (apps/dna), and the evaluation of a template over them.

Each generator models its process (thermal inertia, diurnal load, queueing bursts, enzyme kinetics...), its normal
regime and its documented failure, with its own noise and sampling rate, and cites where its shape comes from.
:func:`kernels.scenarios.evaluate.evaluate` runs a template's detection exactly as a stream would.
"""

from __future__ import annotations

from kernels.scenarios.registry import all_specs, get, register
from kernels.scenarios.types import Scenario, ScenarioSpec

__all__ = ["Scenario", "ScenarioSpec", "all_specs", "get", "register"]
