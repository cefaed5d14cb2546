"""Error responses for the schema: one shared `Error` component, example bodies with the real codes.

Every error body is `{code, message, extra}` (apps/core/exception_handlers.py); codes are the values of the apps'
errors.py enums. Which statuses an operation can answer is derived from what the view is (authenticated, has path
parameters, takes input, runs through the idempotency store) plus the codes its catalogue entry lists.
"""
from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from rest_framework import serializers

from apps.core.errors import CoreErrorCode
from apps.core.serializers import SafeDictField

STATUS_TEXT = {
    400: "Bad request: invalid input (field errors in `extra.fields`) or a refused business rule.",
    401: "No API key, or the key is unknown or revoked.",
    402: "Not enough CEU available: buy a pack or wait for holds to be released.",
    403: "The key's scopes or the member's role do not allow this.",
    404: "No such object in your tenant (another tenant's objects answer 404 too).",
    409: "Conflicts with the object's current state or with an earlier request using the same key.",
    413: "The request is too large: split it into smaller batches.",
    422: "Understood but too large to process in one request.",
    429: "Too many requests: wait for `Retry-After` seconds.",
    502: "The payment provider failed; nothing was charged.",
    503: "A dependency is unavailable or not configured; retry later.",
}

# What a partner sees for each code; codes not listed fall back to a sentence made from the code.
MESSAGES = {
    "validation_error": "Invalid input.",
    "invalid_schedule": "The deadline is too soon: this job is expected to take about 40 s.",
    "queue_full": "You already have 200 jobs waiting on the gpu queue; submit more when some have started.",
    "malformed_json": "JSON parse error - Expecting value: line 1 column 1 (char 0)",
    "not_authenticated": "Authentication credentials were not provided.",
    "invalid_api_key": "Invalid or revoked API key.",
    "permission_denied": "You do not have permission to perform this action.",
    "not_found": "Not found.",
    "rate_limited": "Request was throttled. Expected available in 12 seconds.",
    "idempotency_conflict": "This Idempotency-Key was used with a different request.",
    "idempotency_in_progress": "A request with this Idempotency-Key is still being processed.",
    "idempotency_key_required": "This operation requires an Idempotency-Key header.",
    "insufficient_ceu": "This job needs 12.000 CEU but only 4.000 CEU are available. Buy a CEU pack and retry.",
    "insufficient_funds": "Insufficient funds.",
    "invalid_rows": "1 invalid row(s); nothing was stored.",
    "payments_not_configured": "Card payments are not configured.",
}


# `extra` as the services fill it, for the codes whose details a client acts on.
EXTRAS: dict[str, dict[str, Any]] = {
    "invalid_schedule": {"fields": {"deadline": ["At the earliest 2026-03-02T09:16:20+00:00."]},
                         "earliest_deadline": "2026-03-02T09:16:20+00:00", "expected_duration_s": 40.0},
    "queue_full": {"waiting": 200, "limit": 200},
    "insufficient_ceu": {"required": 12000, "available": 4000, "asset": "CEU"},
    "invalid_rows": {"rows": [{"index": 1, "field": "t", "message": "timestamps must increase (after the "
                                                                    "stream's last point and within the batch)"}]},
    "idempotency_key_required": {"fields": {"Idempotency-Key": ["This header is required."]}},
}


class ErrorSerializer(serializers.Serializer):
    """Every error body: a stable machine `code`, a human `message`, and structured `extra` details."""

    code = serializers.CharField(help_text="Stable machine-readable code from the API's error code lists.")
    message = serializers.CharField(help_text="Human-readable explanation; may change wording.")
    extra = SafeDictField(help_text="Structured details, e.g. `fields` for validation errors.")


def _value(code: str | Enum) -> str:
    return code.value if isinstance(code, Enum) else code


def default_errors(*, public: bool, has_path_params: bool, takes_input: bool, takes_body: bool,
                   idempotent: bool, idempotency_required: bool) -> dict[int, list[str]]:
    errors: dict[int, list[str]] = {}
    if takes_input:
        errors[400] = [CoreErrorCode.VALIDATION.value]
    if takes_body:
        errors.setdefault(400, []).append(CoreErrorCode.MALFORMED_JSON.value)
    if idempotency_required:
        errors.setdefault(400, []).append(CoreErrorCode.IDEMPOTENCY_KEY_REQUIRED.value)
    if not public:
        errors[401] = [CoreErrorCode.NOT_AUTHENTICATED.value, CoreErrorCode.INVALID_API_KEY.value]
        errors[403] = [CoreErrorCode.PERMISSION_DENIED.value]
    if has_path_params:
        errors[404] = [CoreErrorCode.NOT_FOUND.value]
    if idempotent:
        errors[409] = [CoreErrorCode.IDEMPOTENCY_CONFLICT.value, CoreErrorCode.IDEMPOTENCY_IN_PROGRESS.value]
    if not public:
        errors[429] = [CoreErrorCode.RATE_LIMITED.value]
    return errors


def merge_errors(base: dict[int, list[str]], extra: Mapping[int, tuple[str | Enum, ...]]) -> dict[int, list[str]]:
    merged = {status: list(codes) for status, codes in base.items()}
    for status, codes in extra.items():
        bucket = merged.setdefault(status, [])
        bucket.extend(v for v in map(_value, codes) if v not in bucket)
    return dict(sorted(merged.items()))


def example_body(code: str, field: str | None) -> dict[str, Any]:
    if code == CoreErrorCode.VALIDATION.value:
        return {"code": code, "message": MESSAGES[code],
                "extra": {"fields": {field or "non_field_errors": ["This field is required."]}}}
    message = MESSAGES.get(code) or code.replace("_", " ").capitalize() + "."
    return {"code": code, "message": message, "extra": EXTRAS.get(code, {})}


def error_response(status: int, codes: list[str], ref: dict[str, Any], field: str | None) -> dict[str, Any]:
    examples = {code: {"summary": code, "value": example_body(code, field)} for code in codes}
    return {"description": STATUS_TEXT.get(status, "Error."),
            "content": {"application/json": {"schema": ref, "examples": examples}}}
