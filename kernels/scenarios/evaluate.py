"""Run a template's detection over a scenario exactly as its streams would, and judge it by its own budgets.

Per input role the calls are the product's: the anomaly path of apps/signals/processing.py (a categorical event's
energy is its surprisal, ``kernels.regime.surprisal``; ``RegimeDetector(DetectorConfig(**template.detector))``
scores each point at its time of day) and the regime path of apps/signals/services/regimes.py (a
``BoundaryTracker`` built from ``template.changepoint`` fed the same values). Incidents are counted as the product
shows them: anomaly alarms inside a confirmed boundary's margin belong to that boundary's alert.

Judging: every incident before the failure's onset (all of them in a normal episode) is a false alarm, whatever
its kind, since a user sees it; the failure is detected by the first incident of a kind the template's alert
policy names (``failure_shows_as``) at or after onset, within ``budgets.max_delay_s``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from kernels.changepoint.tracker import BOUNDARY_MARGIN, BoundaryTracker, TrackerConfig
from kernels.regime import DetectorConfig, RegimeDetector
from kernels.regime.surprisal import symbol_surprisal
from kernels.scenarios.types import Scenario

AlertKind = Literal["anomaly", "regime_change"]
CATEGORICAL_ALPHABET = 64  # as apps/signals/processing.py: distinct symbols tracked per stream
SHOWS_AS: dict[str, tuple[str, ...]] = {"anomaly": ("anomaly",), "regime_change": ("regime_change",),
                                        "either": ("anomaly", "regime_change")}


@dataclass(frozen=True)
class Alert:
    """An incident as a user sees it: ``index`` is the point at which it was raised (a regime change is raised
    when confirmed), ``boundary`` the first point of the new regime (regime changes only)."""

    index: int
    role: str
    kind: AlertKind
    boundary: int | None = None


@dataclass(frozen=True)
class Evaluation:
    """Figures of one template over one scenario. ``detected`` is None for a normal episode; delays are None
    when nothing of the policy's kinds was raised after onset. ``scored_points`` are those after the learning
    period (and before onset): the false-alarm rate's denominator."""

    alerts: tuple[Alert, ...]
    onset: int | None
    detected: bool | None
    delay_points: int | None
    delay_s: float | None
    false_alarms: int
    scored_points: int
    false_alarms_per_1000: float


@dataclass(frozen=True)
class Detection:
    """A template's detection settings, parsed once from its fixture dict."""

    kinds: dict[str, str]
    detector: DetectorConfig
    tracker: TrackerConfig
    shows_as: tuple[str, ...]
    max_delay_s: float
    false_alarms_per_1000: float

    @classmethod
    def of(cls, template: Mapping[str, Any]) -> Detection:
        policy, budgets = template["alert_policy"], template["budgets"]
        return cls(kinds={i["role"]: i["kind"] for i in template["inputs"]},
                   detector=DetectorConfig(**template["detector"]),
                   tracker=TrackerConfig.from_dict(template["changepoint"]),
                   shows_as=SHOWS_AS[policy["failure_shows_as"]], max_delay_s=float(budgets["max_delay_s"]),
                   false_alarms_per_1000=float(budgets["false_alarms_per_1000"]))


def stream_values(kind: str, values: np.ndarray) -> list[float]:
    """What a stream stores per point: the value, or a categorical event's surprisal (apps/signals/processing)."""
    if kind != "categorical":
        return [float(v) for v in values.tolist()]
    codes: dict[str, int] = {}
    counts: dict[int, int] = {}
    return [symbol_surprisal(codes, counts, i, str(raw), CATEGORICAL_ALPHABET)[0]
            for i, raw in enumerate(values.tolist())]


def anomaly_points(config: DetectorConfig, times_s: np.ndarray, values: list[float]) -> list[int]:
    """Indices the anomaly detector alarms on."""
    detector = RegimeDetector(config)
    return [i for i, (t, v) in enumerate(zip(times_s.tolist(), values, strict=True)) if detector.update(t, v)[1]]


def boundary_alerts(config: TrackerConfig, role: str, times_s: np.ndarray, values: list[float]) -> list[Alert]:
    """The regime changes the tracker confirms, raised at their confirming point."""
    tracker = BoundaryTracker.new(config)
    return [Alert(i, role, "regime_change", found.index)
            for i, (t, v) in enumerate(zip(times_s.tolist(), values, strict=True)) for found in tracker.observe(t, v)]


def fold(role: str, anomalies: list[int], boundaries: list[Alert]) -> list[Alert]:
    """One stream's incidents: anomaly alarms inside a boundary's margin belong to that boundary's alert."""
    folded = {a for b in boundaries for a in anomalies if (b.boundary or 0) - BOUNDARY_MARGIN <= a <= b.index}
    return sorted([Alert(a, role, "anomaly") for a in anomalies if a not in folded] + boundaries,
                  key=lambda alert: (alert.index, alert.role))


def role_alerts(detection: Detection, role: str, times_s: np.ndarray, values: np.ndarray) -> list[Alert]:
    """The incidents one stream raises over the episode."""
    fed = stream_values(detection.kinds[role], values)
    return fold(role, anomaly_points(detection.detector, times_s, fed),
                boundary_alerts(detection.tracker, role, times_s, fed))


def judge(detection: Detection, scenario: Scenario, alerts: list[Alert]) -> Evaluation:
    """The figures of ``alerts`` raised over ``scenario``, by the template's policy and budgets."""
    alerts = sorted(alerts, key=lambda alert: (alert.index, alert.role))
    end = scenario.onset if scenario.onset is not None else scenario.n_points
    false_alarms = sum(1 for a in alerts if a.index < end)
    scored = max(end - detection.detector.learning_period, 1)
    detected, delay_points, delay_s = None, None, None
    if scenario.onset is not None:
        hits = [a for a in alerts if a.index >= scenario.onset and a.kind in detection.shows_as]
        if hits:
            delay_points = hits[0].index - scenario.onset
            delay_s = float(scenario.times_s[hits[0].index] - scenario.times_s[scenario.onset])
        detected = delay_s is not None and delay_s <= detection.max_delay_s
    return Evaluation(alerts=tuple(alerts), onset=scenario.onset, detected=detected, delay_points=delay_points,
                      delay_s=delay_s, false_alarms=false_alarms, scored_points=scored,
                      false_alarms_per_1000=1000.0 * false_alarms / scored)


def evaluate(template: Mapping[str, Any], scenario: Scenario) -> Evaluation:
    """Figures of ``template`` (a fixture dict with the v2 fields) over ``scenario``.

    Cost: the regime tracker dominates, about 0.1 ms per point and input on one core (nothing when the
    template's policy turns regime changes off).
    """
    detection = Detection.of(template)
    alerts = [a for role, values in scenario.values.items()
              for a in role_alerts(detection, role, scenario.times_s, values)]
    return judge(detection, scenario, alerts)
