from __future__ import annotations

from enum import StrEnum


class LabErrorCode(StrEnum):
    UNKNOWN_KIND = "unknown_job_kind"
    INVALID_PARAMS = "invalid_params"
    TOO_MUCH_WORK = "too_much_work"
    JOB_STATE = "invalid_job_state"
    KIND_UNAVAILABLE = "job_kind_unavailable"
