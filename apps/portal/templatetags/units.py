"""Token amounts are stored in minor units; people read them in whole units."""
from __future__ import annotations

from decimal import Decimal

from django import template

from apps.ledger.bootstrap import ASSETS

register = template.Library()
SCALES = {code: scale for code, _name, scale in ASSETS}


@register.filter
def units(amount: int | None, asset: str) -> str:
    """`{{ 1500|units:"CEU" }}` -> `1.500`: the integer amount shifted by the asset's scale, grouped by thousands."""
    if amount is None:
        return "—"
    scale = SCALES.get(str(asset), 0)
    value = Decimal(int(amount)).scaleb(-scale)
    return f"{value:,.{scale}f}"
