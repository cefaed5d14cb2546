from __future__ import annotations

from enum import Enum, StrEnum
from typing import Any


class CoreErrorCode(StrEnum):
    VALIDATION = "validation_error"
    MALFORMED_JSON = "malformed_json"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    NOT_AUTHENTICATED = "not_authenticated"
    INVALID_API_KEY = "invalid_api_key"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    RATE_LIMITED = "rate_limited"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    IDEMPOTENCY_IN_PROGRESS = "idempotency_in_progress"
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
    CONFLICT = "conflict"
    SERVER_ERROR = "server_error"
    SERVICE_UNAVAILABLE = "service_unavailable"
    BAD_REQUEST = "bad_request"


class ApplicationError(Exception):
    """A business-rule refusal. `code` is a per-app enum value; `status` the HTTP status it maps to."""

    def __init__(self, message: str, *, code: str | Enum = "application_error", status: int = 400,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code.value if isinstance(code, Enum) else code
        self.status = status
        self.extra = extra or {}


class ConflictError(ApplicationError):
    def __init__(self, message: str, *, code: str | Enum = CoreErrorCode.CONFLICT,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message, code=code, status=409, extra=extra)


class NotFoundError(ApplicationError):
    def __init__(self, message: str = "Not found.", *, code: str | Enum = CoreErrorCode.NOT_FOUND) -> None:
        super().__init__(message, code=code, status=404)
