"""Tool input schemas derived from the partner API's OpenAPI document, i.e. from the same DRF serializers that
validate REST calls: path and query parameters and the JSON body's fields become one flat object."""
from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from typing import Any

from apps.bridge.catalogue import OPTIONAL_TOOLS, TOOLS, ToolSpec

IDEMPOTENCY_KEY = "idempotency_key"


@dataclass(frozen=True)
class Operation:
    spec: ToolSpec
    method: str
    path: str
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    body_params: tuple[str, ...]
    input_schema: dict[str, Any]


@functools.cache
def openapi_document() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(node: Any, components: dict[str, Any], depth: int = 0) -> Any:
    """Inline `$ref`s (bounded depth: the API's schemas are not recursive)."""
    if depth > 12:
        return {}
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return _resolve(copy.deepcopy(components.get(name, {})), components, depth + 1)
        return {k: _resolve(v, components, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, components, depth + 1) for v in node]
    return node


def _find(document: dict[str, Any], operation_id: str) -> tuple[str, str, dict[str, Any]] | None:
    for path, methods in document.get("paths", {}).items():
        for method, op in methods.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return method.upper(), path, op
    return None


def _operation(spec: ToolSpec, document: dict[str, Any]) -> Operation | None:
    found = _find(document, spec.operation_id)
    if found is None:
        return None
    method, path, op = found
    components = document.get("components", {}).get("schemas", {})
    properties: dict[str, Any] = {}
    required: list[str] = []
    path_params: list[str] = []
    query_params: list[str] = []
    for param in op.get("parameters", []):
        name, where = param["name"], param.get("in")
        if where not in ("path", "query"):
            continue
        schema = _resolve(param.get("schema", {}), components)
        if param.get("description"):
            schema = {**schema, "description": param["description"]}
        properties[name] = schema
        (path_params if where == "path" else query_params).append(name)
        if param.get("required"):
            required.append(name)
    body_params: list[str] = []
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content:
        body = _resolve(content.get("schema", {}), components)
        for name, schema in body.get("properties", {}).items():
            if schema.get("readOnly"):
                continue
            properties.setdefault(name, schema)
            body_params.append(name)
        required += [n for n in body.get("required", []) if n in body_params]
    if spec.write:
        properties[IDEMPOTENCY_KEY] = {"type": "string", "maxLength": 255,
                                       "description": "Sent as the Idempotency-Key header: a retried call with the "
                                                      "same key is applied once and answers the stored result."}
    schema = {"type": "object", "properties": properties, "required": sorted(set(required)),
              "additionalProperties": False}
    return Operation(spec=spec, method=method, path=path, path_params=tuple(path_params),
                     query_params=tuple(query_params), body_params=tuple(body_params), input_schema=schema)


@functools.cache
def operations() -> dict[str, Operation]:
    """Tool name -> its REST operation. A required tool missing from the schema is a programming error."""
    document = openapi_document()
    out: dict[str, Operation] = {}
    for spec in TOOLS:
        op = _operation(spec, document)
        if op is None:
            raise LookupError(f"MCP tool {spec.name}: operation {spec.operation_id} is not in the API schema")
        out[spec.name] = op
    for spec in OPTIONAL_TOOLS:
        op = _operation(spec, document)
        if op is not None:
            out[spec.name] = op
    return out
