from __future__ import annotations

import math

import pytest

from kernels.regime.novelty import GoodTuringNovelty, RunningRange, Scale
from kernels.regime.suppression import GradedSuppressor


def test_it_prices_novelty_by_the_share_of_singletons() -> None:
    # given: 99 repeats of one state, so no singletons are left
    novelty = GoodTuringNovelty()
    for _ in range(99):
        novelty.observe("a")
    # when
    surprisal = novelty.observe("b")
    # then: P(novel) = (N1 + 1) / (N + 1) = 1 / 100
    assert surprisal == pytest.approx(2.0)
    assert novelty.observe("b") == 0.0


def test_it_makes_novelty_cheap_in_a_stream_of_new_states() -> None:
    # given
    novelty = GoodTuringNovelty()
    for key in range(99):
        novelty.observe(key)
    # when
    surprisal = novelty.observe("new")
    # then: 99 singletons out of 99 observations
    assert surprisal == pytest.approx(math.log10(100 / 100))


def test_it_measures_range_excess_in_widths() -> None:
    # given
    extremes = RunningRange(10.0)
    extremes.observe(20.0)
    # when / then
    assert extremes.observe(25.0) == pytest.approx(0.5)
    assert extremes.observe(5.0) == pytest.approx(1.0 / 3.0)
    assert extremes.observe(12.0) == 0.0


def test_it_falls_back_to_the_full_range_then_to_the_level_for_flat_learning() -> None:
    # given
    mostly_flat = Scale.from_sample([1.0] * 99 + [3.0])
    flat = Scale.from_sample([4.0] * 10)
    # when / then
    assert mostly_flat.width(2.0) == pytest.approx(1.0)
    assert flat.width(2.0) == pytest.approx(0.04)


def test_it_lets_only_stronger_evidence_through_within_the_look_back() -> None:
    # given
    suppressor = GradedSuppressor(minimum=3, fraction=0.0, start=0)
    evidence = [0.0, 1.0, 0.5, 1.0, 1.5, 0.0, 0.0, 0.0, 0.7]
    # when
    passed = [suppressor.step(t, e) for t, e in enumerate(evidence)]
    # then
    assert passed == [0.0, 1.0, 0.0, 0.0, 1.5, 0.0, 0.0, 0.0, 0.7]


def test_it_widens_the_look_back_with_the_stream_length() -> None:
    # given: look-back = max(2, 10 % of t); at t=100 it spans 10 points
    suppressor = GradedSuppressor(minimum=2, fraction=0.1, start=0)
    for t in range(95):
        suppressor.step(t, 0.0)
    suppressor.step(95, 1.0)
    # when
    at_104 = suppressor.step(104, 0.9)
    # then
    assert at_104 == 0.0
