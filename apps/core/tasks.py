"""The base every Celery task uses: late acks, safe only because each task claims its work idempotently."""
from __future__ import annotations

from celery import Task

from apps.core.errors import ApplicationError

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)


class BaseTask(Task):
    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = TRANSIENT_ERRORS
    dont_autoretry_for = (ApplicationError,)
    retry_backoff = True
    retry_jitter = True
    max_retries = 5
