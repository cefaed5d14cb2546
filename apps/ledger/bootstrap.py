from __future__ import annotations

from typing import Any

from apps.ledger.migrations_support import GENESIS

ASSETS = [("CEU", "Compute-energy unit", 3), ("PFT", "Proof token", 6), ("MUNT", "Mesh utility token", 6),
          ("USD", "US dollar (purchases)", 2)]
SYSTEM_ACCOUNTS = ["issuance", "burn", "fees", "payment_clearing", "market_escrow", "adjustments", "revenue_share"]


def ensure_ledger_bootstrap(apps: object | None = None) -> None:
    """Assets, system accounts and the chain head; idempotent. `apps` is a migration's app registry."""
    get = apps.get_model if apps is not None else _live_model  # type: ignore[attr-defined]
    Asset, Account, ChainHead = get("ledger", "Asset"), get("ledger", "Account"), get("ledger", "ChainHead")
    for code, name, scale in ASSETS:
        Asset.objects.update_or_create(code=code, defaults={"name": name, "scale": scale})
        for system in SYSTEM_ACCOUNTS:
            Account.objects.get_or_create(tenant=None, asset_id=code, code=system,
                                          defaults={"name": f"System {system} ({code})", "floor_mode": "none"})
    ChainHead.objects.get_or_create(id=1, defaults={"seq": 0, "head_hash": GENESIS})


def _live_model(app_label: str, name: str) -> Any:  # a model class, typed as loosely as a migration's historical ones
    from django.apps import apps as live

    return live.get_model(app_label, name)
