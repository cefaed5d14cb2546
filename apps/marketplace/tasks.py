from __future__ import annotations

from celery import shared_task

from apps.core.tasks import BaseTask
from apps.marketplace.services import markets_expire_due


@shared_task(base=BaseTask, name="marketplace.markets_expire")
def markets_expire() -> int:
    """Expires GTD orders that are due on every market and releases their holds. Idempotent: an order leaves
    the book once, under its market's lock; a second sweep finds nothing."""
    return markets_expire_due()
