from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase

from apps.core.error_pages import error_response, is_api
from apps.core.errors import CoreErrorCode
from apps.core.exception_handlers import error_body, unhandled_error
from apps.core.request_context import request_id_var

_VALID_ID = re.compile(r"^[A-Za-z0-9._\-]{8,128}$")


class RequestIdMiddleware:
    """Honours a sane incoming X-Request-ID (so a partner can correlate), else makes one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists())


def reshapes(response: HttpResponseBase) -> bool:
    """Whether ErrorShapeMiddleware replaces this API response on its way out: a 5xx that is not JSON."""
    return response.status_code >= 500 and not response.get("Content-Type", "").startswith("application/json")


class ErrorShapeMiddleware:
    """Refuses NUL characters in the path and query string before any view passes them to PostgreSQL (which
    cannot store them in text), and makes sure no API answer is ever Django's HTML error page — not even the
    DEBUG one, nor one raised by another middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return error_response(request, 400, error_body(
                CoreErrorCode.BAD_REQUEST.value, "NUL characters are not allowed in the path or query string."))
        response = self.get_response(request)
        if is_api(request) and reshapes(response):
            status_code, body = unhandled_error(None, getattr(request, "request_id", None),
                                                unavailable=response.status_code == 503)
            return error_response(request, status_code, body)
        return response
