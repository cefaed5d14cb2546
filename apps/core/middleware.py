from __future__ import annotations

import re
import uuid
from typing import Callable

from django.http import HttpRequest, HttpResponse

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
