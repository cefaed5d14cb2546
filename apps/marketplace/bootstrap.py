"""The launch pairs, listed by a migration and again (idempotently) by the demo seed."""
from __future__ import annotations

from typing import Any

# tick_size x lot_size = 10^6 (the base scale), so one lot at one tick is exactly one CEU minor unit:
# PFT/CEU prices in steps of 0.01 CEU for lots of 0.1 PFT; MUNT/CEU in steps of 0.001 CEU for lots of 1 MUNT.
LAUNCH_PAIRS = [
    {"symbol": "PFT/CEU", "base_asset_id": "PFT", "quote_asset_id": "CEU", "tick_size": 10, "lot_size": 100_000},
    {"symbol": "MUNT/CEU", "base_asset_id": "MUNT", "quote_asset_id": "CEU", "tick_size": 1, "lot_size": 1_000_000},
]
DEFAULTS = {"min_lots": 1, "max_lots": 1_000_000, "maker_fee_bps": 10, "taker_fee_bps": 20}


def ensure_launch_pairs(apps: Any | None = None) -> None:
    """Create whichever launch pair is missing; `apps` is a migration's app registry."""
    if apps is None:
        from apps.marketplace.models import Market

        market: Any = Market
    else:
        market = apps.get_model("marketplace", "Market")
    for pair in LAUNCH_PAIRS:
        market.objects.get_or_create(symbol=pair["symbol"], defaults={**pair, **DEFAULTS})
