"""The regime tracker streams run (kernels/changepoint/tracker.py), configured as templates configure it."""

from __future__ import annotations

import numpy as np

from kernels.changepoint.tracker import BoundaryTracker, TrackerConfig
from kernels.scenarios import get


def test_a_counts_tracker_never_feeds_its_check_negative_counts() -> None:
    # given: ELM counts per 10 ms whose rate triples; the check used to remove a "seasonal" cycle it detected in
    # the counts, leaving negative values that the Poisson cost cannot take (ValueError: math domain error)
    scenario = get("industrial.fusion-elm-rate").scenario("failure", 5)
    tracker = BoundaryTracker.new(TrackerConfig(model="counts", hazard=0.001, threshold=0.95, max_run_length=200))
    # when
    found = [b for t, v in zip(scenario.times_s.tolist(), scenario.values["elm_count"].tolist(), strict=True)
             for b in tracker.observe(t, v)]
    # then
    assert all(b.change.kind for b in found)


def test_a_disabled_tracker_counts_points_and_raises_nothing() -> None:
    # given
    tracker = BoundaryTracker.new(TrackerConfig(model="level", enabled=False))
    values = np.r_[np.zeros(100), np.full(100, 50.0)]
    # when
    found = [b for i, v in enumerate(values) for b in tracker.observe(float(i), float(v))]
    # then
    assert found == [] and tracker.seen == 200
