from __future__ import annotations

from apps.lab.services.execution import job_fail, job_run, job_settle, pick_device
from apps.lab.services.jobs import (
    Quote,
    job_cancel,
    job_enqueue,
    job_open_in_transaction,
    job_quote,
    job_submit,
    jobs_requeue_stale,
)
from apps.lab.services.scheduling import job_expected_seconds, job_standing

__all__ = ["Quote", "job_cancel", "job_enqueue", "job_expected_seconds", "job_fail", "job_open_in_transaction",
           "job_quote", "job_run", "job_settle", "job_standing", "job_submit", "jobs_requeue_stale", "pick_device"]
