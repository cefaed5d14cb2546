from __future__ import annotations

from typing import Any

from apps.core.actors import Actor
from apps.ledger import services
from apps.ledger.models import Account

ACTOR = Actor.system("test")


def funded_account(tenant: Any, amount: int = 0, asset: str = "CEU", code: str = "main") -> Account:
    account = services.account_open(actor=ACTOR, tenant=tenant, asset=asset, code=code)
    if amount:
        services.issue_create(actor=ACTOR, tenant=tenant, account_id=account.pk, asset=asset, amount=amount,
                              client_id=f"fund-{account.pk}-{amount}")
    account.refresh_from_db()
    return account


def refreshed(account: Account) -> Account:
    account.refresh_from_db()
    return account
