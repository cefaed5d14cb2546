"""Scenario specs built from channels: each role a ``processes.Channel`` with its failure ``Fault``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from kernels.scenarios import processes as p
from kernels.scenarios.types import Regime, Scenario, ScenarioSpec

Roles = Mapping[str, tuple[p.Channel, p.Fault | None]]


ChannelCase = tuple[str, float, int, Roles, str, str, str]  # key, sampling_s, n_points, roles, process, source, failure


def channels_spec(key: str, *, sampling_s: float, n_points: int, roles: Roles, process: str, source: str,
                  failure: str) -> ScenarioSpec:
    """A spec (register it with ``registry.register``) whose episode draws every role on one grid, the failure
    starting at one onset for all.

    Example:
        >>> spec = channels_spec("example.tank", sampling_s=60.0, n_points=400, process="p", source="s",
        ...                      failure="f", roles={"level": (p.Channel(2.0, 0.05, 0.9), p.Fault("step", 0.5))})
        >>> s = spec.scenario("failure", seed=3)
        >>> s.onset is not None and s.values["level"].shape
        (400,)
    """

    def generate(regime: Regime, n: int, seed: int) -> Scenario:
        rng = np.random.default_rng(seed)
        times = p.grid(n, sampling_s)
        onset = p.onset_index(rng, n) if regime == "failure" else None
        values = {role: p.channel(rng, times, spec, fault, onset) for role, (spec, fault) in roles.items()}
        return Scenario(key, regime, values, times, onset)

    return ScenarioSpec(key=key, generate=generate, process=process, source=source, failure=failure,
                        sampling_s=sampling_s, n_points=n_points)
