from __future__ import annotations

from typing import Any

from celery import shared_task

from apps.capsules import services
from apps.core.tasks import BaseTask


def _capsule_run_execute_failure(self: Any, exc: BaseException, task_id: str, args: tuple, kwargs: dict,
                                 einfo: Any) -> None:
    services.capsule_run_fail(run_id=int(args[0] if args else kwargs["run_id"]), error=f"Worker error: {exc}"[:1000])


@shared_task(base=BaseTask, name="capsules.capsule_run_execute", on_failure=_capsule_run_execute_failure)
def capsule_run_execute(run_id: int) -> str:
    """Executes and settles one capsule run. Claimed by a conditional update, so a duplicate delivery is a no-op;
    when retries run out the run is failed and its whole reservation released."""
    return services.capsule_run_execute(run_id=run_id)


@shared_task(base=BaseTask, name="capsules.subscriptions_meter")
def subscriptions_meter() -> int:
    """Periodic (hourly): opens one run per elapsed UTC day of every active subscription."""
    return services.subscriptions_meter()


@shared_task(base=BaseTask, name="capsules.runs_requeue_stale")
def runs_requeue_stale() -> int:
    """Periodic (every minute): re-enqueues runs whose task was lost before or during execution."""
    return services.runs_requeue_stale()
