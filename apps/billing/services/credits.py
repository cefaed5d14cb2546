"""Operators' CEU credits: issued from the system issuance account into the tenant's CEU account, with the reason,
the ledger entry and the audit row in one transaction."""
from __future__ import annotations

from django.db import transaction

from apps.billing.errors import BillingErrorCode
from apps.billing.models import OperatorCredit
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.ledger.services import account_open, issue_create
from apps.ops.services import audit_record
from apps.tenants import rls
from apps.tenants.models import Tenant

MIN_REASON = 10


@transaction.atomic(durable=True)
def operator_credit_issue(*, actor: Actor, tenant: Tenant, amount: int, reason: str,
                          client_id: str) -> OperatorCredit:
    """`client_id` (one per form rendering) makes a double-submitted form credit once."""
    if type(amount) is not int or amount <= 0:
        raise ApplicationError("A credit is a positive number of CEU minor units.",
                               code=BillingErrorCode.INVALID_CREDIT, extra={"fields": {"amount": ["Positive."]}})
    if len(reason.strip()) < MIN_REASON:
        raise ApplicationError("Give the reason (at least 10 characters); it is kept in the audit log.",
                               code=BillingErrorCode.INVALID_CREDIT, extra={"fields": {"reason": ["Too short."]}})
    with rls.system_context(reason="an operator credit draws on the issuance system account"):
        account = account_open(actor=actor, tenant=tenant, asset="CEU")
        result = issue_create(actor=actor, tenant=tenant, account_id=account.pk, asset="CEU", amount=amount,
                              client_id=f"operator-credit:{client_id}", source="issuance",
                              metadata={"reason": reason[:1000], "operator": actor.label})
        credit, created = OperatorCredit.objects.get_or_create(
            entry_id=result.entry_id, defaults={"tenant": tenant, "amount": amount, "reason": reason[:1000],
                                                "operator_label": actor.label[:200]})
        if created:
            audit_record(actor=actor, action="billing.operator_credit", obj=credit, tenant_id=tenant.pk,
                         after={"amount": amount, "reason": reason, "entry": result.entry_id})
    return credit
