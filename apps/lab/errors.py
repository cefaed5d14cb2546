from __future__ import annotations

from enum import Enum


class LabErrorCode(str, Enum):
    UNKNOWN_KIND = "unknown_job_kind"
    INVALID_PARAMS = "invalid_params"
    TOO_MUCH_WORK = "too_much_work"
    JOB_STATE = "invalid_job_state"
    KIND_UNAVAILABLE = "job_kind_unavailable"
