from __future__ import annotations

from django.db import transaction

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.ledger.errors import LedgerErrorCode
from apps.ledger.models import Account, Asset, FloorMode
from apps.ops.services import audit_record, snapshot
from apps.tenants.models import Tenant


@transaction.atomic
def account_open(*, actor: Actor, tenant: Tenant, asset: str, code: str = "main", name: str = "",
                 floor_mode: str = FloorMode.NON_NEGATIVE, credit_limit: int = 0) -> Account:
    """Opens (or returns the existing) account of `tenant` in `asset` under `code`."""
    existing = Account.objects.filter(tenant=tenant, asset_id=asset, code=code).first()
    if existing is not None:
        return existing
    if not Asset.objects.filter(code=asset).exists():
        raise ApplicationError(f"Unknown asset {asset!r}.", code=LedgerErrorCode.UNKNOWN_ACCOUNT, status=404)
    if floor_mode == FloorMode.NONE:
        raise ApplicationError("Tenant accounts are floored.", code=LedgerErrorCode.INVALID_AMOUNT)
    account = Account(tenant=tenant, asset_id=asset, code=code, name=name or f"{asset} {code}",
                      floor_mode=floor_mode, credit_limit=credit_limit)
    account.full_clean()
    account.save()
    audit_record(actor=actor, action="ledger.account_open", obj=account, tenant_id=tenant.pk,
                 after=snapshot(account, ["asset_id", "code", "floor_mode", "credit_limit"]))
    return account


def system_account(*, asset: str, code: str) -> Account:
    return Account.objects.get(tenant__isnull=True, asset_id=asset, code=code)


@transaction.atomic(durable=True)
def account_set_credit_limit(*, actor: Actor, account_id: int, credit_limit: int) -> Account:
    if credit_limit < 0:
        raise ApplicationError("A credit limit is zero or positive.", code=LedgerErrorCode.INVALID_AMOUNT)
    account = Account.objects.select_for_update().get(pk=account_id, tenant__isnull=False)
    before = snapshot(account, ["floor_mode", "credit_limit"])
    account.floor_mode = FloorMode.CREDIT_LIMIT if credit_limit else FloorMode.NON_NEGATIVE
    account.credit_limit = credit_limit
    account.save(update_fields=["floor_mode", "credit_limit", "updated_at"])
    audit_record(actor=actor, action="ledger.account_credit_limit", obj=account, tenant_id=account.tenant_id,
                 before=before, after=snapshot(account, ["floor_mode", "credit_limit"]))
    return account
