"""Scheduling settings, with defaults: every one may be overridden in Django settings."""
from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Jobs released to each queue at once: the worker processes consuming it (concurrency x workers).
    "OPS_QUEUE_SLOTS": {"gpu": 4},
    "OPS_TENANT_QUOTA": 2,  # jobs of one tenant running at once on a queue, unless its TenantSchedule says
    "OPS_FAIR_WINDOW_S": 3600,  # fair share counts the work each tenant was given over this long
    # Past this many jobs waiting for a slot, a submission is still taken but answered "queued" with its
    # position and an estimated start; past the per-tenant cap it is refused (429), never piled up silently.
    "OPS_QUEUE_DEPTH_LIMIT": 20,
    "OPS_TENANT_WAITING_CAP": 200,
    "OPS_MAX_DEFERRAL_S": 48 * 3600,  # the latest deadline a flexible job may ask for
    "OPS_DEADLINE_MARGIN": 2.0,  # a deadline leaves this multiple of the expected duration; the rest is slack
    # The expected duration of a kind with fewer than 3 measured runs: overhead + size / rate.
    "OPS_PRIOR_WORK_PER_S": 5e7,
    "OPS_PRIOR_OVERHEAD_S": 5.0,
    "OPS_HISTORY_RUNS": 50,  # the most recent runs of a kind that the duration fit uses
}


def ops_setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def queue_slots(queue: str) -> int | None:
    """Jobs the queue runs at once; None for a queue the scheduler only defers for (no slots, no quotas)."""
    slots = ops_setting("OPS_QUEUE_SLOTS").get(queue)
    return None if slots is None else int(slots)
