"""The economic and cyber scenario generators: well-formed episodes whose failure changes nothing before its onset,
and the gallery picture built from an evaluation (no database)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from kernels.scenarios import all_specs, flows, gallery
from kernels.scenarios.flows import next_hour
from tests.kernels.scenarios.conftest import load_templates

KEYS = sorted(k for k in all_specs() if k.split(".")[0] in ("economic", "cyber"))


def test_both_libraries_have_at_least_25_use_cases() -> None:
    # then
    assert sum(k.startswith("economic.") for k in KEYS) >= 25 and sum(k.startswith("cyber.") for k in KEYS) >= 25


@pytest.mark.parametrize("key", KEYS)
def test_a_failure_changes_nothing_before_its_onset(key: str) -> None:
    # given
    spec = all_specs()[key]
    kinds = {i["role"]: i["kind"] for t in load_templates() if t["key"] == key for i in t["inputs"]}
    # when
    normal, failure = spec.scenario("normal", 3, 600), spec.scenario("failure", 3, 600)
    # then
    assert set(normal.values) == set(kinds) and normal.onset is None and 360 <= failure.onset < 600
    assert np.all(np.diff(failure.times_s) > 0)
    for role, values in failure.values.items():
        assert values.shape == (600,)
        assert (values.dtype.kind == "U") == (kinds[role] == "categorical")
        assert values.dtype.kind == "U" or np.all(np.isfinite(values))
        assert np.array_equal(values[:failure.onset], normal.values[role][:failure.onset])
        assert not np.array_equal(values[failure.onset:], normal.values[role][failure.onset:])


def test_a_failure_that_needs_opening_hours_waits_for_them() -> None:
    # given: a quarter-hourly day, a closure drawn at 03:00
    times = np.arange(96 * 2, dtype=np.float64) * 900.0
    # when
    moved = next_hour(times, 12, (8.0, 20.0))
    # then
    assert moved == 32 and next_hour(times, 40, (8.0, 20.0)) == 40 and next_hour(times, None, (8.0, 20.0)) is None


def test_the_picture_marks_the_onset_and_the_alerts_the_evaluation_raised() -> None:
    # given
    template = next(t for t in load_templates() if t["key"] == "cyber.arp-spoofing")
    spec = all_specs()["cyber.arp-spoofing"]
    # when
    picture = gallery.picture(template, spec, seed=7, buckets=60)
    # then
    failure = spec.scenario("failure", 7)
    assert picture["onset"] == failure.onset / failure.n_points and len(picture["strips"]) == 1
    strip = picture["strips"][0]
    assert len(strip["low"]) == 60 and all(lo <= hi for lo, hi in zip(strip["low"], strip["high"], strict=True))
    assert max(strip["high"]) == float(failure.values["arp_replies"].max())
    assert picture["detected"] and any(a["at"] >= picture["onset"] for a in picture["alerts"])


@pytest.mark.parametrize("module", [flows, gallery])
def test_docstring_examples_run(module: object) -> None:
    # then
    assert doctest.testmod(module).failed == 0
