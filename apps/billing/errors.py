from __future__ import annotations

from enum import StrEnum


class BillingErrorCode(StrEnum):
    PAYMENTS_NOT_CONFIGURED = "payments_not_configured"
    PAYMENT_PROVIDER_ERROR = "payment_provider_error"
    UNKNOWN_PACK = "unknown_pack"
    BAD_SIGNATURE = "bad_signature"
    STALE_TIMESTAMP = "stale_timestamp"
    MALFORMED_EVENT = "malformed_event"
    INVALID_CREDIT = "invalid_credit"
