from __future__ import annotations

import itertools
from typing import Any

from apps.core.actors import Actor
from apps.ledger.models import Account
from apps.marketplace import services
from apps.marketplace.models import Market, Order
from apps.tenants.models import Tenant
from tests.ledger.factories import funded_account
from tests.tenants.factories import TenantFactory

ACTOR = Actor.system("test")
_symbols = itertools.count(1)


def make_market(**overrides: Any) -> Market:
    """A PFT/CEU-like market where one lot (0.1 PFT) at one tick (0.01 CEU) costs exactly 1 CEU minor unit."""
    fields = {"base": "PFT", "quote": "CEU", "tick_size": 10, "lot_size": 100_000, "maker_fee_bps": 10,
              "taker_fee_bps": 20, "symbol": f"T{next(_symbols)}/CEU", **overrides}
    return services.market_create(actor=ACTOR, **fields)


def make_trader(slug: str, *, ceu: int = 10_000_000, pft: int = 100_000_000) -> Tenant:
    tenant = TenantFactory(slug=slug, name=slug)
    funded_account(tenant, ceu, "CEU")
    funded_account(tenant, pft, "PFT")
    return tenant


def place(tenant: Tenant, market: Market, side: str, ticks: int | None, lots: int, *, client_id: str | None = None,
          **kwargs: Any) -> Order:
    """Place by ticks and lots (the service takes minor units)."""
    price = None if ticks is None else ticks * market.tick_size
    return services.order_place(actor=ACTOR, tenant=tenant, market_id=market.pk,
                                client_id=client_id or f"c{next(_symbols)}", side=side,
                                order_type=kwargs.pop("order_type", "limit" if ticks is not None else "market"),
                                price=price, quantity=lots * market.lot_size, **kwargs).order


def balances(tenant: Tenant) -> dict[str, tuple[int, int]]:
    """asset -> (balance, pending_debits) of the tenant's main accounts."""
    return {a: (b, p) for a, b, p in Account.objects.filter(tenant=tenant, code="main")
            .values_list("asset_id", "balance", "pending_debits")}
