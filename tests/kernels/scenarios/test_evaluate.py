"""The evaluation counts what a user would see: false alarms of every kind before onset, detection by policy."""

from __future__ import annotations

import numpy as np

from kernels.changepoint.tracker import BoundaryTracker, TrackerConfig
from kernels.scenarios import processes as p
from kernels.scenarios.evaluate import Alert, evaluate, fold
from kernels.scenarios.types import Scenario


def _template(shows_as: str = "either", changepoint: dict | None = None) -> dict:
    return {"inputs": [{"role": "x", "kind": "numeric"}], "detector": {"learning_period": 200, "context_weight": 0.0},
            "changepoint": changepoint if changepoint is not None else {"model": "level"},
            "alert_policy": {"failure_shows_as": shows_as}, "budgets": {"false_alarms_per_1000": 1.0,
                                                                      "max_delay_s": 600}}


def _step_scenario(size: float) -> Scenario:
    rng = np.random.default_rng(4)
    times = p.grid(1000, 60.0)
    values = p.channel(rng, times, p.Channel(10.0, 0.5), p.Fault("step", size), 700)
    return Scenario("t", "failure", {"x": values}, times, 700)


def test_it_detects_a_level_step_within_the_delay() -> None:
    # when
    result = evaluate(_template(), _step_scenario(6.0))
    # then
    assert result.detected and result.delay_s is not None and result.delay_s <= 600
    assert result.scored_points == 500


def test_an_alert_of_a_kind_the_policy_does_not_name_is_no_detection() -> None:
    # given: the step is caught, but the policy waits for a regime change that a disabled tracker never raises
    template = _template("regime_change", {"model": "level", "enabled": False})
    # when
    result = evaluate(template, _step_scenario(6.0))
    # then
    assert result.detected is False and result.delay_s is None
    assert any(a.kind == "anomaly" and a.index >= 700 for a in result.alerts)


def test_anomalies_inside_a_boundary_margin_are_that_boundary() -> None:
    # given
    boundary = Alert(120, "x", "regime_change", 110)
    # when
    incidents = fold("x", [50, 106, 112, 121], [boundary])
    # then: 106 and 112 lie in [110 - 5, 120], 121 was raised after the boundary was confirmed
    assert [(a.index, a.kind) for a in incidents] == [(50, "anomaly"), (120, "regime_change"), (121, "anomaly")]


def test_the_seasonal_tracker_ignores_the_daily_cycle_and_sees_a_shift() -> None:
    # given: four days of a strong daily cycle at 15-minute sampling, then a lasting 3-sigma rise
    rng = np.random.default_rng(1)
    times = p.grid(96 * 6, 900.0)
    cycle = p.channel(rng, times, p.Channel(50.0, 1.0, daily=15.0), p.Fault("step", 3.0), 96 * 4 + 10)
    plain, seasonal = (BoundaryTracker.new(TrackerConfig(model="level")),
                       BoundaryTracker.new(TrackerConfig(model="seasonal", period=96, persist=12)))
    # when
    found = {name: [b.index for i, v in enumerate(cycle) for b in tracker.observe(float(times[i]), float(v))]
             for name, tracker in (("plain", plain), ("seasonal", seasonal))}
    # then
    assert len(found["plain"]) > 3
    assert [i for i in found["seasonal"] if i > 96] == [96 * 4 + 10]
