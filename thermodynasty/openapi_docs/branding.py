"""The API docs in the partner's brand on the partner's white-label domain (`request.brand`, resolved by host in
apps/tenants/middleware.py): the Swagger UI page and the schema it renders both carry the partner's name."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework.request import Request
from rest_framework.response import Response


def _brand(request: Any) -> Any:
    return getattr(request, "brand", None) if request is not None else None


def docs_title(request: Any) -> str:
    brand = _brand(request)
    return f"{brand.brand_name} API" if brand is not None else str(settings.SPECTACULAR_SETTINGS["TITLE"])


def brand_schema(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the served schema's title is the brand's on a partner domain."""
    if _brand(request) is not None:
        result["info"]["title"] = docs_title(request)
    return result


class BrandedSwaggerView(SpectacularSwaggerView):
    template_name = "core/api_docs.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        response.data["title"] = docs_title(request)
        response.data["docs_brand"] = _brand(request)
        return response
