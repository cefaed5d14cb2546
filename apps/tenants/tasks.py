from __future__ import annotations

from celery import shared_task

from apps.core.tasks import BaseTask


@shared_task(base=BaseTask, name="core.idempotency_records_purge")
def idempotency_records_purge() -> int:
    """Delete idempotency records past IDEMPOTENCY_RECORD_TTL_SECONDS (hourly beat); safe to run twice."""
    from apps.tenants.maintenance import idempotency_records_purge as purge  # models: load after app setup

    return purge()
