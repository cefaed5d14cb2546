from __future__ import annotations

from celery import shared_task

from apps.core.tasks import BaseTask
from apps.ops import scheduling


@shared_task(base=BaseTask, name="ops.dispatch_queues")
def dispatch_queues() -> dict[str, int]:
    """Periodic (every 5 s, beat): releases deferred jobs whose window has come and queued jobs that now fit a
    slot, on every scheduled queue. Idempotent: each pass takes a per-queue lock and only waiting rows.
    Workers and beat run in the system context, which the dispatcher needs (it counts every tenant's jobs)."""
    return {queue: len(ids) for queue, ids in scheduling.dispatch_queues().items()}
