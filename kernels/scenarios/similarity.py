"""Near-copy detection: a template that only renames another (same inputs, nearly the same numbers) is refused."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from itertools import combinations
from typing import Any

from kernels.changepoint.tracker import TrackerConfig
from kernels.regime import DetectorConfig

NEAR = 0.1  # numbers within 10 % of each other are "the same" setting


def signature(template: Mapping[str, Any]) -> tuple[tuple[Any, ...], dict[str, float]]:
    """(what must differ outright, the numbers that may differ a little): the inputs' kinds and units, the
    change-point model and the detector's shift test; then window, bins, every detector and tracker setting
    (defaults filled in) and budgets."""
    inputs = tuple(sorted((i["kind"], i.get("units", "")) for i in template["inputs"]))
    tracker = asdict(TrackerConfig.from_dict(template.get("changepoint")))
    detector = asdict(DetectorConfig(**template["detector"]))
    numbers = {**{f"p.{k}": float(v) for k, v in template["parameters"].items()},
               **{f"d.{k}": float(v) for k, v in detector.items() if not isinstance(v, str)},
               **{f"c.{k}": float(v) for k, v in tracker.items() if isinstance(v, (int, float)) and v is not None},
               **{f"b.{k}": float(v) for k, v in (template.get("budgets") or {}).items()}}
    # the detector's shift test (a name) is a choice like the change-point model: it must agree outright
    return (inputs, tracker["model"], tracker["enabled"], detector["shift_test"]), numbers


def near_copies(templates: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Pairs of template keys whose inputs and model agree and whose every number is within ``NEAR``.

    Example:
        >>> a = {"key": "a", "inputs": [{"kind": "numeric", "units": "bar"}],
        ...      "parameters": {"window_size": 60, "n_bins": 16}, "detector": {}}
        >>> near_copies([a, {**a, "key": "b", "parameters": {"window_size": 62, "n_bins": 16}}])
        [('a', 'b')]
        >>> near_copies([a, {**a, "key": "b", "parameters": {"window_size": 120, "n_bins": 16}}])
        []
    """
    signed = [(t["key"], *signature(t)) for t in templates]
    pairs = []
    for (key_a, exact_a, num_a), (key_b, exact_b, num_b) in combinations(signed, 2):
        if exact_a != exact_b or num_a.keys() != num_b.keys():
            continue
        if all(abs(num_a[k] - num_b[k]) <= NEAR * max(abs(num_a[k]), abs(num_b[k]), 1e-12) for k in num_a):
            pairs.append((key_a, key_b))
    return pairs
