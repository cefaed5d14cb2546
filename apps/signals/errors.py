from __future__ import annotations

from enum import Enum


class SignalErrorCode(str, Enum):
    BATCH_TOO_LARGE = "batch_too_large"
    INVALID_ROWS = "invalid_rows"
    DUPLICATE_STREAM = "duplicate_stream"
    ALERT_STATE = "invalid_alert_transition"
    WEBHOOK_URL = "invalid_webhook_url"
    INVALID_VALUE_RANGE = "invalid_value_range"
