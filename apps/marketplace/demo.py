"""Demo book: both launch pairs open, resting orders on each side from the demo tenants (funded by the ledger
demo) and a couple of trades, so the trading page has a book, a last price and a candle. Idempotent: every
order has a fixed client id, and a repeated client id returns the existing order."""
from __future__ import annotations

from typing import Any

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.marketplace import services
from apps.marketplace.bootstrap import ensure_launch_pairs
from apps.marketplace.models import Market, MarketState
from apps.tenants.models import Tenant

# (market, tenant slug, client id, side, price in quote minor units per whole base unit, quantity in base minor)
ORDERS = [
    ("PFT/CEU", "helios", "demo-pft-ask-1", "sell", 2_600, 4_000_000),
    ("PFT/CEU", "helios", "demo-pft-ask-2", "sell", 2_650, 6_000_000),
    ("PFT/CEU", "helios", "demo-pft-ask-3", "sell", 2_800, 10_000_000),
    ("PFT/CEU", "northwind", "demo-pft-bid-1", "buy", 2_450, 5_000_000),
    ("PFT/CEU", "northwind", "demo-pft-bid-2", "buy", 2_400, 8_000_000),
    ("PFT/CEU", "northwind", "demo-pft-take-1", "buy", 2_600, 1_500_000),
    ("MUNT/CEU", "helios", "demo-munt-ask-1", "sell", 130, 50_000_000),
    ("MUNT/CEU", "helios", "demo-munt-ask-2", "sell", 135, 80_000_000),
    ("MUNT/CEU", "acme-water", "demo-munt-bid-1", "buy", 120, 40_000_000),
    ("MUNT/CEU", "acme-water", "demo-munt-bid-2", "buy", 118, 60_000_000),
    ("MUNT/CEU", "northwind", "demo-munt-take-1", "buy", 130, 10_000_000),
]


def seed(tenants: dict[str, Tenant], stdout: Any) -> None:
    actor = Actor.system("seed_demo")
    ensure_launch_pairs()
    for market in Market.objects.exclude(state=MarketState.OPEN).filter(symbol__in={o[0] for o in ORDERS}):
        services.market_set_state(actor=actor, market_id=market.pk, state=MarketState.OPEN)
    markets = dict(Market.objects.values_list("symbol", "pk"))
    placed = 0
    for symbol, slug, client_id, side, price, quantity in ORDERS:
        if symbol not in markets or slug not in tenants:
            continue
        try:
            result = services.order_place(actor=actor, tenant=tenants[slug], market_id=markets[symbol],
                                          client_id=client_id, side=side, order_type="limit", price=price,
                                          quantity=quantity)
        except ApplicationError as exc:  # e.g. a demo tenant spent its grant meanwhile: keep seeding the rest
            stdout.write(f"  marketplace: {client_id} skipped ({exc.code})")
            continue
        placed += not result.replayed
    stdout.write(f"  marketplace: PFT/CEU and MUNT/CEU open with a demo book ({placed} new orders)")
