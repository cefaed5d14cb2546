"""Amounts for people: the ledger keeps integers in minor units (CEU thousandths, PFT millionths, cents); pages and
messages show them shifted by the asset's scale, grouped by thousands, with the asset code."""
from __future__ import annotations

from decimal import Decimal

from apps.ledger.bootstrap import ASSETS

SCALES = {code: scale for code, _name, scale in ASSETS}


def amount_display(amount: int, asset: str) -> str:
    """`amount_display(60_000_000, "CEU")` -> `"60,000.000"`: whole units, every decimal the asset has."""
    scale = SCALES.get(str(asset).upper(), 0)
    return f"{Decimal(int(amount)).scaleb(-scale):,.{scale}f}"


def amount_text(amount: int, asset: str) -> str:
    """`amount_text(60_000_000, "CEU")` -> `"60,000.000 CEU"`, for messages."""
    return f"{amount_display(amount, asset)} {str(asset).upper()}"
