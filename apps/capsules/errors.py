from __future__ import annotations

from enum import StrEnum


class CapsuleErrorCode(StrEnum):
    NOT_PUBLISHED = "not_published"
    INVALID_STATE = "invalid_capsule_state"
    NOT_A_SELLER = "not_a_seller"
    DUPLICATE_VERSION = "duplicate_capsule_version"
    INVALID_INPUTS = "invalid_inputs"
    NO_DATA = "no_data"
    TOO_MUCH_DATA = "too_much_data"
    RUN_STATE = "invalid_run_state"
    SUBSCRIPTION_STATE = "invalid_subscription_state"
