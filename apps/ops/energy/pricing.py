"""The energy part of a CEU price: what the measured joules cost at the grid's price, in CEU minor units.

    ceu_energy = round(joules / 3.6e6 kWh * price_per_mwh_minor / 1000 * OPS_CEU_MINOR_PER_CURRENCY_MINOR)

capped at the charge (the energy part of a price cannot exceed the price). Exact arithmetic (Fraction) and half
up, so the same figures always give the same integer. At the default price (100.00 per MWh) and CEU rate, 1 kWh
is 10,000 CEU minor units: a two-second job on two cores (~50 J) has an energy part of about 0.1 minor unit,
which rounds to 0; `energy_share` keeps the unrounded fraction.
"""
from __future__ import annotations

from fractions import Fraction

from django.conf import settings

J_PER_KWH = 3_600_000


def energy_ceu_exact(joules: float, price_per_mwh_minor: int) -> Fraction:
    return (Fraction(joules) * price_per_mwh_minor * settings.OPS_CEU_MINOR_PER_CURRENCY_MINOR
            / (J_PER_KWH * 1000))


def energy_ceu(joules: float, price_per_mwh_minor: int, *, cap: int | None = None) -> int:
    """CEU minor units, half up, at most `cap`."""
    value = int(energy_ceu_exact(max(0.0, joules), price_per_mwh_minor) + Fraction(1, 2))
    return value if cap is None else min(cap, value)


def energy_share(joules: float, price_per_mwh_minor: int, charged: int) -> float | None:
    """The fraction of `charged` that paid for the energy (capped at 1); None for a free unit of work."""
    if charged <= 0:
        return None
    return float(min(Fraction(1), energy_ceu_exact(max(0.0, joules), price_per_mwh_minor) / charged))


def co2e_grams(joules: float, gco2_per_kwh: float) -> float:
    return joules / J_PER_KWH * gco2_per_kwh
