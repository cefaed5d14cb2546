"""The `readable` filter: plain digits for ordinary magnitudes, scientific notation only far outside them."""
from __future__ import annotations

import pytest
from django.template import Context, Template

from apps.portal.templatetags.numbers import number_text, readable


@pytest.mark.parametrize(("value", "expected"), [
    (0.130123, "0.1301"),
    (0.13, "0.13"),
    (1234.56, "1,235"),
    (123456.7, "123,457"),
    (999.95, "1,000"),
    (0.001, "0.001"),
    (0.0012346, "0.001235"),
    (-42.125, "-42.12"),
    (1.0, "1"),
    (0.0, "0"),
    (12_000_000, "12,000,000"),
    (7, "7"),
])
def test_it_writes_ordinary_magnitudes_as_plain_digits(value: float, expected: str) -> None:
    # when
    text = number_text(value)
    # then
    assert text == expected


@pytest.mark.parametrize(("value", "expected"), [
    (2.5e-05, "2.5 × 10⁻⁵"),
    (1.23456e-16, "1.235 × 10⁻¹⁶"),
    (3.2e8, "3.2 × 10⁸"),
    (1e6, "1 × 10⁶"),
    (-4.5e-4, "-4.5 × 10⁻⁴"),
])
def test_it_writes_the_very_small_and_very_large_in_scientific_notation(value: float, expected: str) -> None:
    # when
    text = number_text(value)
    # then
    assert text == expected


@pytest.mark.parametrize(("value", "unit", "expected"), [
    (0.0123, "s", "0.0123 s"),
    (523456.7, "cell updates/s", "523,457 cell updates/s"),
    (None, "s", "—"),
    (float("nan"), "s", "—"),
    (float("inf"), "", "∞"),
    (True, "", "yes"),
    ("crank_nicolson", "", "crank_nicolson"),
])
def test_it_puts_the_unit_after_the_number(value: object, unit: str, expected: str) -> None:
    # when
    text = readable(value, unit)
    # then
    assert text == expected


def test_templates_can_use_it() -> None:
    # given
    template = Template('{% load numbers %}{{ x|readable:"s" }} / {{ y|readable }}')
    # when
    text = template.render(Context({"x": 0.000012, "y": 1500.25}))
    # then
    assert text == "1.2 × 10⁻⁵ s / 1,500"
