"""The OpenAPI generator's view of our APIs (drf-spectacular's AutoSchema, two corrections).

1. Descriptions come from the operation's own docstring or its view class's *own* docstring, never from a base
   class: `inspect.getdoc` inherits, so every API used to be described by TenantApi's notes for developers, and
   every input component by StrictInputSerializer's.
2. GET operations that answer through `TenantApi.paginate` (or a cursor paginator) are documented as cursor pages
   with their `cursor` and `page_size` parameters: those views are plain APIViews without `pagination_class`, so
   the generator would otherwise describe a bare list, which is not what the client receives.
3. Partner documentation (summary, description, example request and response, error responses) comes from the
   catalogue in `thermodynasty/openapi_docs`, keyed by operation id, so the views stay thin and one file per app holds
   the words; every error response references the shared `Error` component.
"""
from __future__ import annotations

import inspect
from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import get_doc

from apps.core.pagination import StableCursorPagination
from thermodynasty.openapi_docs.catalogue import doc_for
from thermodynasty.openapi_docs.error_responses import (
    ErrorSerializer,
    default_errors,
    error_response,
    merge_errors,
)

PAGINATING_CALLS = ("self.paginate(", ".get_paginated_response(")
IDEMPOTENT_CALLS = ("self.handle_idempotent(", "self.create_response(")
PAGINATION_PARAMS = {"cursor", "page_size"}


def _own_doc(cls: type) -> str:
    own = cls.__dict__.get("__doc__")
    return inspect.cleandoc(own) if own else ""


def _calls(handler: Any, calls: tuple[str, ...]) -> bool:
    try:
        source = inspect.getsource(handler)
    except (OSError, TypeError):
        return False
    return any(call in source for call in calls)


def _paginates(handler: Any) -> bool:
    return _calls(handler, PAGINATING_CALLS)


def _json_content(holder: dict[str, Any] | None) -> dict[str, Any] | None:
    return ((holder or {}).get("content") or {}).get("application/json")


def _first_input_field(operation: dict[str, Any], registry: Any) -> str | None:
    schema = (_json_content(operation.get("requestBody")) or {}).get("schema", {})
    ref = schema.get("$ref", "")
    component = registry._components.get((ref.rsplit("/", 1)[-1], "schemas")) if ref else None
    required = (component.schema or {}).get("required", []) if component else schema.get("required", [])
    if required:
        return str(required[0])
    query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
    return next((name for name in query if name not in PAGINATION_PARAMS), None)


class AutoSchema(openapi.AutoSchema):
    def get_description(self) -> str:  # type: ignore[override]
        action = getattr(self.view, getattr(self.view, "action", self.method.lower()), None)
        return get_doc(action) or _own_doc(self.view.__class__)

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        doc = doc_for(operation["operationId"])
        if doc is not None:
            operation["summary"] = doc.summary
            operation["description"] = doc.description
            self._add_examples(operation, doc.request, doc.response)
        handler = getattr(self.view, self.method.lower(), None)
        idempotent = handler is not None and _calls(handler, IDEMPOTENT_CALLS)
        if idempotent:
            operation.setdefault("parameters", []).append(self._idempotency_header())
        self._add_error_responses(operation, doc, idempotent)
        return operation

    def _idempotency_header(self) -> dict[str, Any]:
        required = bool(getattr(self.view, "idempotency_required", False))
        return {"in": "header", "name": "Idempotency-Key", "required": required,
                "schema": {"type": "string", "maxLength": 255},
                "description": "Your unique key for this request: a retry with the same key and body answers the "
                               "first response instead of doing the work twice."
                               + (" Required: this operation creates billable or compute work." if required else ""),
                "example": "3f1c2a9e-7b4d-4e0a-9c61-2d8f5b7a1e44"}

    def _add_examples(self, operation: dict[str, Any], request: Any, response: Any) -> None:
        body = _json_content(operation.get("requestBody"))
        if body is not None and request is not None:
            body["examples"] = {"example": {"summary": "Example request", "value": request}}
        success = next((r for code, r in sorted(operation["responses"].items()) if code.startswith("2")), None)
        content = _json_content(success)
        if content is not None and response is not None:
            content["examples"] = {"example": {"summary": "Example response", "value": response}}

    def _add_error_responses(self, operation: dict[str, Any], doc: Any, idempotent: bool) -> None:
        query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
        base = default_errors(
            public=bool(doc and doc.public),
            has_path_params=any(p["in"] == "path" for p in operation.get("parameters", [])),
            takes_input="requestBody" in operation or any(p["name"] not in PAGINATION_PARAMS for p in query),
            takes_body="requestBody" in operation,
            idempotent=idempotent,
            idempotency_required=bool(getattr(self.view, "idempotency_required", False)),
        )
        errors = merge_errors(base, doc.errors if doc else {})
        ref = self.resolve_serializer(ErrorSerializer, "response").ref
        field = _first_input_field(operation, self.registry)
        for status, codes in errors.items():
            operation["responses"][str(status)] = error_response(status, codes, ref, field)

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
