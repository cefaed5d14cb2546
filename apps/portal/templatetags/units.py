"""Token amounts are stored in minor units; people read them in whole units."""
from __future__ import annotations

from django import template

from apps.ledger.amounts import amount_display

register = template.Library()


@register.filter
def units(amount: int | None, asset: str) -> str:
    """`{{ 1500|units:"CEU" }}` -> `1.500`: the integer amount shifted by the asset's scale, grouped by thousands."""
    if amount is None:
        return "—"
    return amount_display(int(amount), str(asset))
