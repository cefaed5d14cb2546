from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.capsules.pricing import Prices, Quantities, price_lines, revenue_split, total


@given(charge=st.integers(min_value=0, max_value=10**15), bps=st.integers(min_value=0, max_value=9_999))
def test_revenue_shares_always_add_up_to_the_charge(charge, bps):
    # when
    platform, partner = revenue_split(charge, bps)
    # then
    assert platform + partner == charge and 0 <= partner <= charge
    assert platform >= 1 or charge == 0  # below 100 %: the platform's part of a charge is never zero


def test_the_partners_part_is_rounded_down_and_the_remainder_goes_to_the_platform():
    # when / then
    assert revenue_split(1_301, 7_000) == (391, 910)
    assert revenue_split(1, 9_999) == (1, 0)


def test_a_whole_share_is_refused():
    # when / then
    with pytest.raises(ValueError):
        revenue_split(100, 10_000)


def test_each_per_thousand_metric_rounds_up_on_its_own():
    # given
    prices = Prices(per_run=500, per_stream_day=200, per_1k_points=3, per_gpu_second=7)
    # when
    lines = price_lines(prices, Quantities(runs=1, stream_days=2, points=1_001, gpu_ms=1))
    # then
    assert [(line.metric, line.amount) for line in lines] == [("run", 500), ("stream_day", 400), ("points", 4),
                                                              ("gpu_ms", 1)]
    assert total(lines) == 905


def test_zero_quantities_make_no_line_but_free_metrics_still_count():
    # when
    lines = price_lines(Prices(0, 0, 0, 0), Quantities(runs=1, points=10))
    # then
    assert [(line.metric, line.quantity, line.amount) for line in lines] == [("run", 1, 0), ("points", 10, 0)]
