"""CEU reserved for paid work (a capsule run, a lab job): one refusal and one hold shape for every product that
charges, so a client sees the same 402 `insufficient_ceu` wherever it runs out."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.ledger.amounts import amount_text
from apps.ledger.errors import LedgerErrorCode
from apps.ledger.models import Hold
from apps.ledger.services.accounts import system_account
from apps.ledger.services.holds import hold_create_in_transaction
from apps.tenants import rls
from apps.tenants.models import Tenant

CEU = "CEU"
REVENUE_ACCOUNT = "fees"  # the platform's CEU revenue: the system account every charge is posted to


def insufficient_ceu(required: int, available: int, *, work: str, remedy: str) -> ApplicationError:
    """`work` names what costs the CEU ("This job needs"), `remedy` what the buyer can do about it."""
    return ApplicationError(
        f"{work} {amount_text(required, CEU)} but only {amount_text(available, CEU)} are available. {remedy}",
        code=LedgerErrorCode.INSUFFICIENT_CEU, status=402,
        extra={"required": required, "available": available, "asset": CEU})


def charge_hold_in_transaction(*, actor: Actor, tenant: Tenant, client_id: str, account_id: int, amount: int,
                               expires_at: datetime, metadata: dict[str, Any], work: str, remedy: str) -> Hold:
    """Holds `amount` CEU from the tenant's account towards platform revenue; a balance spent concurrently since
    the caller's own check is refused as insufficient_ceu, like the check itself."""
    with rls.system_context(reason="the revenue account is a system account"):
        revenue = system_account(asset=CEU, code=REVENUE_ACCOUNT)
    try:
        return hold_create_in_transaction(actor=actor, tenant=tenant, client_id=client_id,
                                          debit_account_id=account_id, credit_account_id=revenue.pk, amount=amount,
                                          expires_at=expires_at, metadata=metadata)
    except ApplicationError as exc:
        if exc.code == LedgerErrorCode.INSUFFICIENT_FUNDS.value:
            raise insufficient_ceu(amount, exc.extra.get("available", 0), work=work, remedy=remedy) from exc
        raise
