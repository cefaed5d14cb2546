from __future__ import annotations

from enum import StrEnum


class OpsErrorCode(StrEnum):
    INVALID_SCHEDULE = "invalid_schedule"
    QUEUE_FULL = "queue_full"
