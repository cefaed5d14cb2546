"""Demo CEU packs (idempotent by name). Buying needs STRIPE_* settings: Stripe test keys, or the local stand-in
(`cd tests && python -m stripe_standin`, see docs/billing.md)."""
from __future__ import annotations

from typing import Any

from apps.billing.models import CeuPack
from apps.tenants.models import Tenant

PACKS = [  # name, CEU in minor units, price in US cents
    ("Starter", 1_000_000, 1_000),
    ("Team", 10_000_000, 9_000),
    ("Scale", 100_000_000, 80_000),
]


def seed(tenants: dict[str, Tenant], stdout: Any) -> None:
    for order, (name, ceu, cents) in enumerate(PACKS):
        CeuPack.objects.update_or_create(name=name, defaults={"ceu_amount": ceu, "price_cents": cents,
                                                              "currency": "usd", "sort_order": order,
                                                              "is_active": True})
    stdout.write(f"  billing: {len(PACKS)} CEU packs on sale")
