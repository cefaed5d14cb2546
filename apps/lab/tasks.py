from __future__ import annotations

from typing import Any

from celery import shared_task

from apps.core.tasks import BaseTask
from apps.lab import services


def _job_run_failure(self: Any, exc: BaseException, task_id: str, args: tuple, kwargs: dict, einfo: Any) -> None:
    services.job_fail(job_id=int(args[0] if args else kwargs["job_id"]), delivery=task_id,
                      error=f"Worker error: {type(exc).__name__}: {exc}"[:1000])


@shared_task(base=BaseTask, bind=True, name="lab.job_run", on_failure=_job_run_failure)
def job_run(self: Any, job_id: int) -> str:
    """Runs one lab job on this worker's device (CUDA when present). Sent to the gpu queue with the job's own
    soft/hard time limits. Claimed by a conditional update, so a duplicate is a no-op and the same task
    redelivered after its worker died runs the job again from scratch, until its attempts are used up; then
    the job is failed and its CEU reservation voided. Cost: up to the job's time limit of one worker process."""
    return services.job_run(job_id=job_id, delivery=self.request.id or f"direct:{job_id}")


@shared_task(base=BaseTask, name="lab.jobs_requeue_stale")
def jobs_requeue_stale() -> int:
    """Periodic (every minute): re-sends the task of jobs whose message was lost or whose worker went silent."""
    return services.jobs_requeue_stale()
