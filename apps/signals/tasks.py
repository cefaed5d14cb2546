from __future__ import annotations

from celery import shared_task

from apps.core.tasks import BaseTask
from apps.signals import services


@shared_task(base=BaseTask, name="signals.webhook_deliver")
def webhook_deliver(delivery_id: int) -> str:
    """Sends one signed webhook delivery if due (claimed by a conditional update, so duplicates are harmless)."""
    return services.webhook_deliver(delivery_id=delivery_id)


@shared_task(base=BaseTask, name="signals.webhooks_enqueue_due")
def webhooks_enqueue_due() -> int:
    """Periodic: re-enqueues deliveries whose backoff has elapsed."""
    return services.webhooks_enqueue_due()
