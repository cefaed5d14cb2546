from __future__ import annotations

from celery import shared_task

from apps.core.tasks import BaseTask
from apps.ledger.services import holds_expire as holds_expire_service
from apps.ledger.services.outbox import outbox_dispatch_all


@shared_task(base=BaseTask, name="ledger.holds_expire")
def holds_expire() -> int:
    """Voids pending holds past their expiry. Idempotent: each hold's status leaves 'pending' once."""
    return holds_expire_service()


@shared_task(base=BaseTask, name="ledger.outbox_dispatch")
def outbox_dispatch() -> dict[str, int]:
    """Feeds the ledger's change stream to its registered consumers, in commit order."""
    return outbox_dispatch_all()
