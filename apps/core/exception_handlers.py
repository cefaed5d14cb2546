"""One error shape for every API error: {"code", "message", "extra"}."""
from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.errors import ApplicationError, CoreErrorCode

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


def error_body(code: str, message: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "extra": extra or {}}


def _django_validation_fields(exc: DjangoValidationError) -> dict[str, Any]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
    return {"non_field_errors": exc.messages}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.extra), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=_django_validation_fields(exc))
    elif isinstance(exc, (Http404, ObjectDoesNotExist)):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return Response(error_body(CoreErrorCode.PAYLOAD_TOO_LARGE.value, "Request body is too large."),
                        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((c.value for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), CoreErrorCode.SERVER_ERROR.value)
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body(code, "Invalid input.", {"fields": detail})
    else:
        message = str(exc.detail) if hasattr(exc, "detail") else str(exc)
        response.data = error_body(code, message)
    return response
