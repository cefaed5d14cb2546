"""The OpenAPI generator's view of our APIs (drf-spectacular's AutoSchema, two corrections).

1. Descriptions come from the operation's own docstring or its view class's *own* docstring, never from a base
   class: `inspect.getdoc` inherits, so every API used to be described by TenantApi's notes for developers, and
   every input component by StrictInputSerializer's.
2. GET operations that answer through `TenantApi.paginate` (or a cursor paginator) are documented as cursor pages
   with their `cursor` and `page_size` parameters: those views are plain APIViews without `pagination_class`, so
   the generator would otherwise describe a bare list, which is not what the client receives.
"""
from __future__ import annotations

import inspect
from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import get_doc

from apps.core.pagination import StableCursorPagination

PAGINATING_CALLS = ("self.paginate(", ".get_paginated_response(")


def _own_doc(cls: type) -> str:
    own = cls.__dict__.get("__doc__")
    return inspect.cleandoc(own) if own else ""


def _paginates(handler: Any) -> bool:
    try:
        source = inspect.getsource(handler)
    except (OSError, TypeError):
        return False
    return any(call in source for call in PAGINATING_CALLS)


class AutoSchema(openapi.AutoSchema):
    def get_description(self) -> str:  # type: ignore[override]
        action = getattr(self.view, getattr(self.view, "action", self.method.lower()), None)
        return get_doc(action) or _own_doc(self.view.__class__)

    def _get_paginator(self) -> Any:
        handler = getattr(self.view, self.method.lower(), None)
        if self.method == "GET" and handler is not None and _paginates(handler):
            return StableCursorPagination()
        return super()._get_paginator()

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> Any:
        schema = super()._map_basic_serializer(serializer, direction)
        own = _own_doc(serializer.__class__)
        if own:
            schema["description"] = own
        else:
            schema.pop("description", None)
        return schema
