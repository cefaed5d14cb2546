"""Demo balances: every demo tenant gets CEU (and the partner some PFT and MUNT) from the issuance account."""
from __future__ import annotations

from typing import Any

from apps.core.actors import Actor
from apps.ledger import services
from apps.tenants.models import Tenant

GRANTS = {  # slug -> {asset: amount in minor units}
    "helios": {"CEU": 500_000_000, "PFT": 50_000_000, "MUNT": 200_000_000},
    "northwind": {"CEU": 250_000_000, "PFT": 20_000_000, "MUNT": 50_000_000},
    "acme-water": {"CEU": 100_000_000, "MUNT": 20_000_000},
    "thermodynasty": {"CEU": 1_000_000_000},
}


def seed(tenants: dict[str, Tenant], stdout: Any) -> None:
    actor = Actor.system("seed_demo")
    for slug, grants in GRANTS.items():
        for asset, amount in grants.items():
            account = services.account_open(actor=actor, tenant=tenants[slug], asset=asset)
            services.issue_create(actor=actor, tenant=tenants[slug], account_id=account.pk, asset=asset,
                                  amount=amount, client_id=f"demo-grant-{asset}")
    stdout.write("  ledger: demo balances granted (idempotent)")
