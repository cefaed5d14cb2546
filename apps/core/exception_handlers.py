"""One error shape for every API error: {"code", "message", "extra"}.

Expected refusals carry their own code (an `ApplicationError` with a per-app enum value, or a DRF exception
mapped below). Anything else is a bug or an outage: it is logged with its traceback and answered 500 (503 when
the database or the broker is unreachable) with the request id, so a report can be matched to the log line.
A bare `ObjectDoesNotExist` is such a bug: selectors raise a coded `NotFoundError` with their own message."""
from __future__ import annotations

import logging
from typing import Any

import psycopg
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError as DjangoInterfaceError
from django.db import OperationalError as DjangoOperationalError
from django.http import Http404
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.errors import ApplicationError, CoreErrorCode
from apps.core.request_context import request_id_var

logger = logging.getLogger(__name__)

_DRF_CODES: dict[type, CoreErrorCode] = {
    exceptions.ParseError: CoreErrorCode.MALFORMED_JSON,
    exceptions.UnsupportedMediaType: CoreErrorCode.UNSUPPORTED_MEDIA_TYPE,
    exceptions.NotAuthenticated: CoreErrorCode.NOT_AUTHENTICATED,
    exceptions.AuthenticationFailed: CoreErrorCode.INVALID_API_KEY,
    exceptions.PermissionDenied: CoreErrorCode.PERMISSION_DENIED,
    exceptions.NotFound: CoreErrorCode.NOT_FOUND,
    exceptions.MethodNotAllowed: CoreErrorCode.METHOD_NOT_ALLOWED,
    exceptions.Throttled: CoreErrorCode.RATE_LIMITED,
    exceptions.ValidationError: CoreErrorCode.VALIDATION,
}

# Raised when PostgreSQL, Redis or the Celery broker cannot be reached (or a query is cancelled): the request
# may succeed later, so the answer is 503, not 500.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    DjangoOperationalError, DjangoInterfaceError, psycopg.OperationalError, psycopg.InterfaceError,
    BrokerOperationalError, RedisConnectionError, RedisTimeoutError,
)


def error_body(code: str, message: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "extra": extra or {}}


def unhandled_error(exc: BaseException | None, request_id: str | None,
                    unavailable: bool = False) -> tuple[int, dict[str, Any]]:
    """Status and body for an exception nobody expected. Never echoes the exception's text: it may hold SQL,
    paths or other tenants' values."""
    extra = {"request_id": request_id or request_id_var.get() or ""}
    if unavailable or isinstance(exc, UNAVAILABLE):
        return 503, error_body(CoreErrorCode.SERVICE_UNAVAILABLE.value,
                               "A backing service is unavailable; try again shortly.", extra)
    return 500, error_body(CoreErrorCode.SERVER_ERROR.value, "Internal server error.", extra)


def _django_validation_fields(exc: DjangoValidationError) -> dict[str, Any]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
    return {"non_field_errors": exc.messages}


def _unhandled(exc: Exception, context: dict[str, Any]) -> Response:
    request = context.get("request")
    logger.error("Unhandled %s on %s", type(exc).__name__, getattr(request, "path", "?"), exc_info=exc)
    status_code, body = unhandled_error(exc, getattr(request, "request_id", None))
    return Response(body, status=status_code)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.extra), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=_django_validation_fields(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return Response(error_body(CoreErrorCode.PAYLOAD_TOO_LARGE.value, "Request body is too large."),
                        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    response = drf_exception_handler(exc, context) if isinstance(exc, exceptions.APIException) else None
    if response is None:
        return _unhandled(exc, context)
    code = next((c.value for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), CoreErrorCode.SERVER_ERROR.value)
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body(code, "Invalid input.", {"fields": detail})
    else:
        message = str(exc.detail) if hasattr(exc, "detail") else str(exc)
        response.data = error_body(code, message)
    return response
