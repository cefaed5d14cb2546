"""Energy-aware scheduling: flexible jobs wait in PostgreSQL for their lowest-carbon (or lowest-price) window
before a deadline, and a dispatcher releases due jobs to Celery with per-tenant quotas in weighted fair order.
Apps above ops register a sender per job model (registry.py) and call the services in their own
transactions; the kernels live in kernels/scheduling."""
from __future__ import annotations

from apps.ops.scheduling.planning import Plan, deadline_check, expected_seconds, schedule_plan
from apps.ops.scheduling.registry import sender_for, sender_register
from apps.ops.scheduling.selectors import Standing, scheduled_job_standing, scheduled_refs_waiting
from apps.ops.scheduling.services import (
    dispatch_queues,
    dispatch_release,
    scheduled_job_end_in_transaction,
    scheduled_job_enter_in_transaction,
)

__all__ = ["Plan", "Standing", "deadline_check", "dispatch_queues", "dispatch_release", "expected_seconds",
           "schedule_plan", "scheduled_job_end_in_transaction", "scheduled_job_enter_in_transaction",
           "scheduled_job_standing", "scheduled_refs_waiting", "sender_for", "sender_register"]
