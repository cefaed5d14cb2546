"""GET /metrics for Prometheus. Off (404) until METRICS_TOKEN is set; then only `Authorization: Bearer <token>`
is answered, compared in constant time, so the figures never leak to whoever finds the URL."""
from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from apps.core.errors import CoreErrorCode
from apps.core.exception_handlers import error_body
from apps.ops.metrics.collector import metrics_render


def _presented_token(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    expected = settings.METRICS_TOKEN or ""
    if not expected:
        return JsonResponse(error_body(CoreErrorCode.NOT_FOUND.value, "Metrics are off: set METRICS_TOKEN to serve "
                                       "them (docs/ops.md \"Metrics\")."), status=404)
    if not hmac.compare_digest(_presented_token(request).encode(), expected.encode()):
        response = JsonResponse(error_body(CoreErrorCode.NOT_AUTHENTICATED.value,
                                           "Send the metrics token as `Authorization: Bearer <token>`."), status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics_render(accept=request.headers.get("Accept", ""))
    answer = HttpResponse(body, content_type=content_type)
    answer["Cache-Control"] = "no-store"
    return answer
