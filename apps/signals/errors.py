from __future__ import annotations

from enum import StrEnum


class SignalErrorCode(StrEnum):
    BATCH_TOO_LARGE = "batch_too_large"
    INVALID_ROWS = "invalid_rows"
    DUPLICATE_STREAM = "duplicate_stream"
    ALERT_STATE = "invalid_alert_transition"
    WEBHOOK_URL = "invalid_webhook_url"
    WEBHOOK_LIMIT = "webhook_endpoint_limit"
    WEBHOOK_STATE = "invalid_webhook_state"
    INVALID_SERIES = "invalid_series"
    INVALID_VALUE_RANGE = "invalid_value_range"
