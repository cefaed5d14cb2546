"""What a request that failed outside DRF answers: JSON in the API's error shape under /api/, a plain page
elsewhere. Both are built without the database or the template context processors, so they still render while
PostgreSQL is down."""
from __future__ import annotations

import sys
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from apps.core.errors import CoreErrorCode
from apps.core.exception_handlers import error_body, unhandled_error

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(request: HttpRequest, status_code: int, body: dict[str, Any]) -> HttpResponse:
    if is_api(request):
        return JsonResponse(body, status=status_code)
    html = loader.get_template("error.html").render({"status": status_code, "message": body["message"],
                                                     "request_id": body["extra"].get("request_id", "")})
    return HttpResponse(html, status=status_code)


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """handler500: Django calls it inside the `except` block, so the exception is still at hand to tell an outage
    (503) from a bug (500)."""
    status_code, body = unhandled_error(sys.exc_info()[1], getattr(request, "request_id", None))
    return error_response(request, status_code, body)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400 (a suspicious operation, a malformed multipart body)."""
    return error_response(request, 400, error_body(CoreErrorCode.BAD_REQUEST.value, "Bad request."))
