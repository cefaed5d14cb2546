from __future__ import annotations

from celery import shared_task

from apps.core.tasks import BaseTask
from apps.ledger.services import holds_expire as holds_expire_service
from apps.ledger.services.outbox import outbox_dispatch_all
from apps.ledger.services.sealer import ledger_sealer_run

SEALER_RUN_S = 60.0  # one leader term; beat offers a new term every few seconds, taken only when none runs


@shared_task(base=BaseTask, name="ledger.holds_expire")
def holds_expire() -> int:
    """Voids pending holds past their expiry. Idempotent: each hold's status leaves 'pending' once."""
    return holds_expire_service()


@shared_task(base=BaseTask, name="ledger.outbox_dispatch")
def outbox_dispatch() -> dict[str, int]:
    """Feeds the ledger's change stream to its registered consumers, in commit order."""
    return outbox_dispatch_all()


@shared_task(base=BaseTask, name="ledger.seal")
def ledger_seal() -> dict[str, float | int | bool]:
    """Leads the sealer for SEALER_RUN_S, or returns at once when another worker leads. Idempotent: sealing finds
    its work from the chain head, and the advisory lock admits one leader."""
    return ledger_sealer_run(seconds=SEALER_RUN_S).summary()
