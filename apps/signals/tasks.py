from __future__ import annotations

from celery import shared_task

from apps.core.tasks import BaseTask
from apps.signals import services


@shared_task(base=BaseTask, name="signals.webhook_deliver")
def webhook_deliver(delivery_id: int) -> str:
    """Sends one signed webhook delivery (runs on the `webhooks` queue). It was claimed for the queue by a
    conditional update, and the worker claims it again (queued -> sending), so a duplicate message is a no-op. Cost:
    one HTTP POST, at most WEBHOOK_TIMEOUT_SECONDS."""
    return services.webhook_deliver(delivery_id=delivery_id)


@shared_task(base=BaseTask, name="signals.webhooks_enqueue_due")
def webhooks_enqueue_due() -> int:
    """Periodic (on the `webhooks` queue): queues due deliveries of active, unpaused endpoints whose backoff has
    elapsed, at most WEBHOOK_ENDPOINT_CONCURRENCY per endpoint, each at most once."""
    return services.webhooks_enqueue_due()


@shared_task(base=BaseTask, name="signals.stream_regimes_refresh")
def stream_regimes_refresh(stream_id: int) -> int:
    """Re-segments a stream's latest points after windows closed; a duplicate finds the segments fresh and exits."""
    return services.stream_regimes_refresh(stream_id=stream_id)


@shared_task(base=BaseTask, name="signals.stream_regimes_track")
def stream_regimes_track(stream_id: int) -> int:
    """Feeds a stream's new points to its regime detector under a row lock; a duplicate finds nothing new."""
    return services.stream_regimes_track(stream_id=stream_id)
