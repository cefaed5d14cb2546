"""A use case's picture for the template gallery: its failure episode down-sampled to a strip chart per input, the
failure's onset and the alerts the template raises on it (from :func:`kernels.scenarios.evaluate.evaluate`), so
the page draws exactly what the evidence measured.

Example:
    >>> import numpy as np
    >>> from kernels.scenarios.types import Scenario
    >>> s = Scenario("k", "failure", {"x": np.r_[np.zeros(50), np.ones(50)]}, np.arange(100.0), 50)
    >>> strip(s, "x", "numeric", buckets=4)["high"]
    [0.0, 0.0, 1.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kernels.scenarios.evaluate import evaluate, stream_values
from kernels.scenarios.types import Scenario, ScenarioSpec

BUCKETS = 240  # columns of a gallery picture: enough for a phone-width card, small enough to ship in a fixture
SEED = 7  # the episode pictured: the seed the per-template tests judge, so picture and test agree


def strip(scenario: Scenario, role: str, kind: str, buckets: int = BUCKETS) -> dict[str, Any]:
    """Minimum and maximum of each of ``buckets`` equal slices of what the role's stream stores (the value, or a
    categorical event's surprisal in nats), so spikes survive."""
    fed = np.asarray(stream_values(kind, scenario.values[role]), dtype=np.float64)
    edges = np.linspace(0, fed.size, min(buckets, fed.size) + 1).astype(int)
    low = [float(fed[a:b].min()) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    high = [float(fed[a:b].max()) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return {"role": role, "kind": kind, "low": [round(v, 6) for v in low], "high": [round(v, 6) for v in high]}


def picture(template: Mapping[str, Any], spec: ScenarioSpec, seed: int = SEED,
            buckets: int = BUCKETS) -> dict[str, Any]:
    """JSON-able picture of ``template`` on its failure episode for ``seed``. Positions (onset, alerts) are
    fractions of the episode in [0, 1]. Cost: one evaluation, about 0.05-0.5 ms per point and input."""
    scenario = spec.scenario("failure", seed)
    result = evaluate(template, scenario)
    kinds = {i["role"]: i["kind"] for i in template["inputs"]}
    n = scenario.n_points
    return {"seed": seed, "n_points": n, "sampling_s": spec.sampling_s,
            "duration_s": float(scenario.times_s[-1] - scenario.times_s[0]),
            "onset": (scenario.onset or 0) / n, "detected": bool(result.detected), "delay_s": result.delay_s,
            "alerts": [{"at": a.index / n, "kind": a.kind, "role": a.role} for a in result.alerts],
            "strips": [strip(scenario, role, kinds[role], buckets) for role in scenario.values]}
