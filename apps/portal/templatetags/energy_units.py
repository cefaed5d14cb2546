"""Energy and mass as people read them: joules with an SI prefix, kWh, grams of CO2e."""
from __future__ import annotations

from django import template

register = template.Library()


def _num(value: float) -> str:
    """Three significant digits, never scientific notation: 0.000236, 12.4, 1,500."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) < 1e-6:
        return "<0.000001"
    return f"{value:.3g}" if abs(value) >= 1e-4 else f"{value:.6f}".rstrip("0")


def _scaled(value: float, steps: list[tuple[float, str]]) -> str:
    for scale, unit in steps:
        if abs(value) >= scale:
            return f"{_num(value / scale)} {unit}"
    return f"{_num(value)} {steps[-1][1]}"


@register.filter
def joules(value: float | None) -> str:
    """`{{ 12400|joules }}` -> `12.4 kJ`."""
    if value is None:
        return "—"
    return _scaled(float(value), [(1e9, "GJ"), (1e6, "MJ"), (1e3, "kJ"), (1.0, "J")])


@register.filter
def kwh(value: float | None) -> str:
    """Joules in kWh: `{{ 3600000|kwh }}` -> `1 kWh`."""
    if value is None:
        return "—"
    return f"{_num(float(value) / 3.6e6)} kWh"


@register.filter
def co2e(value: float | None) -> str:
    """Grams of CO2e: `{{ 1530|co2e }}` -> `1.53 kg`."""
    if value is None:
        return "—"
    return _scaled(float(value), [(1e6, "t"), (1e3, "kg"), (1.0, "g")])
