from __future__ import annotations

from enum import StrEnum


class LedgerErrorCode(StrEnum):
    UNBALANCED = "unbalanced_entry"
    TOO_FEW_POSTINGS = "too_few_postings"
    INVALID_AMOUNT = "invalid_amount"
    UNKNOWN_ACCOUNT = "unknown_account"
    ASSET_MISMATCH = "asset_mismatch"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    INSUFFICIENT_CEU = "insufficient_ceu"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    FOREIGN_ACCOUNT = "foreign_account"
    HOLD_NOT_PENDING = "hold_not_pending"
    HOLD_AMOUNT_EXCEEDED = "hold_amount_exceeded"
    ALREADY_REVERSED = "already_reversed"
    NOT_REVERSIBLE = "not_reversible"
    INVALID_METADATA = "invalid_metadata"
    BATCH_TOO_LARGE = "batch_too_large"
