"""Numbers for people: plain digits with thousands separators for ordinary magnitudes, scientific notation only
for the very small and the very large, and a unit after the number where one is known."""
from __future__ import annotations

import math
from typing import Any

from django import template

register = template.Library()

SIGNIFICANT = 4  # enough to tell two metrics of one run apart, few enough to read at a glance
PLAIN_LOW, PLAIN_HIGH = 1e-3, 1e6
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def number_text(value: float | int) -> str:
    """`0.130123` -> `0.1301`, `1234.5` -> `1,235`, `12000000` (an int) -> `12,000,000`,
    `2.5e-05` -> `2.5 × 10⁻⁵`, `3.2e8` -> `3.2 × 10⁸`; integers are exact and always plain."""
    if isinstance(value, int):
        return f"{value:,}"
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    size = abs(value)
    if size == 0:
        return "0"
    if PLAIN_LOW <= size < PLAIN_HIGH:
        decimals = max(0, SIGNIFICANT - 1 - math.floor(math.log10(size)))
        text = f"{value:,.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa, exponent = f"{value:.{SIGNIFICANT - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa} × 10{str(int(exponent)).translate(SUPERSCRIPT)}"


@register.filter
def readable(value: Any, unit: str = "") -> str:
    """`{{ 0.0123|readable:"s" }}` -> `0.0123 s`; booleans read yes/no, a missing value a dash, text as it is."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, (int, float)):
        return str(value)
    text = number_text(value)
    return f"{text} {unit}" if unit and text != "—" else text
