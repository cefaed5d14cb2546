"""The Lab's settings, with defaults: every one may be overridden in Django settings."""
from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "LAB_QUEUE": "gpu",  # Celery queue of the workers that own the accelerator
    "LAB_DEVICE": "auto",  # "auto" (CUDA when present), "cpu" or "cuda"
    "LAB_TORCH_THREADS": 2,  # intra-op threads per job; one job per worker process (prefetch 1)
    "LAB_PROGRESS_INTERVAL_S": 0.5,  # the least time between two progress writes (and status checks)
    "LAB_LEASE_S": 120,  # a running job silent this long lost its worker and may be claimed again
    "LAB_DEFAULT_TIME_LIMIT_S": 600,
    "LAB_MAX_TIME_LIMIT_S": 3000,  # below the broker's visibility timeout (3600 s): no double delivery
    "LAB_MAX_ATTEMPTS": 3,
}


def lab_setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
