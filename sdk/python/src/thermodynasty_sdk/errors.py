"""Errors carry the API's own `code`, `message` and `extra` (field errors in `extra["fields"]`)."""
from __future__ import annotations

from typing import Any


class ThermoError(Exception):
    """An error answer of the API, or a transport failure (status 0, code "transport")."""

    def __init__(self, status: int, code: str, message: str, extra: dict[str, Any] | None = None,
                 request_id: str | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.extra = extra or {}
        self.request_id = request_id


class ValidationError(ThermoError):
    """400: see `extra["fields"]`."""


class AuthenticationError(ThermoError):
    """401: the API key is missing, unknown or revoked."""


class PermissionDenied(ThermoError):
    """403: the key's scopes or the member's role do not allow this."""


class NotFound(ThermoError):
    """404: no such object in your tenant."""


class Conflict(ThermoError):
    """409: e.g. an Idempotency-Key reused with another body."""


class InsufficientFunds(ThermoError):
    """402: not enough CEU for the work."""


class RateLimited(ThermoError):
    """429 after the client's retries ran out."""


class ServerError(ThermoError):
    """5xx after the client's retries ran out."""


BY_STATUS: dict[int, type[ThermoError]] = {400: ValidationError, 401: AuthenticationError, 402: InsufficientFunds,
                                           403: PermissionDenied, 404: NotFound, 409: Conflict, 429: RateLimited}


def error_for(status: int, body: Any, request_id: str | None) -> ThermoError:
    body = body if isinstance(body, dict) else {}
    cls = BY_STATUS.get(status, ServerError if status >= 500 else ThermoError)
    return cls(status, str(body.get("code", "error")), str(body.get("message", "")), body.get("extra") or {},
               request_id)
