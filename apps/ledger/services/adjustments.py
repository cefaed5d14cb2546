from __future__ import annotations

from django.db import transaction

from apps.core.actors import Actor
from apps.ledger.models import Account, EntryKind
from apps.ledger.services.accounts import system_account
from apps.ledger.services.entries import EntryResult, build_spec, entry_apply
from apps.ops.services import audit_record
from apps.tenants import rls


@transaction.atomic(durable=True)
def adjustment_create(*, actor: Actor, account: Account, amount: int, reason: str, client_id: str) -> EntryResult:
    """An operator's manual correction: a new entry against the system adjustments account, with its reason,
    audited in the same transaction."""
    with rls.system_context(reason="the adjustment draws on a system account"):
        source = system_account(asset=account.asset_id, code="adjustments")
        spec = build_spec(tenant=None, client_id=client_id, actor=actor, kind=EntryKind.ADJUSTMENT,
                          metadata={"reason": reason[:1000], "tenant": account.tenant_id},
                          postings=[(source.pk, -amount), (account.pk, amount)])
        result = entry_apply(spec)
        audit_record(actor=actor, action="ledger.adjustment", tenant_id=account.tenant_id, object_type="ledger.Entry",
                     object_id=str(result.entry_id), after={"account": account.pk, "amount": amount,
                                                            "reason": reason})
    return result
