"""Schema-wide: every POST whose response documents a secret declares it in `secret_fields`, so the idempotency
layer never stores or replays it. A new secret-issuing API that forgets fails here."""
from __future__ import annotations

import re
from typing import Any

from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from apps.tenants.api_base import TenantApi

SECRET_NAME = re.compile(r"(^|_)(secret|password|private_key|signing_key)($|_)")


def _props(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema.get("properties", {})


def _secret_like(name: str, prop: dict[str, Any]) -> bool:
    return bool(SECRET_NAME.search(name)) or "shown once" in prop.get("description", "").lower()


def _documented_secrets() -> dict[str, set[str]]:
    spec = SchemaGenerator().get_schema(request=None, public=True)
    found: dict[str, set[str]] = {}
    for path, operations in spec["paths"].items():
        post = operations.get("post")
        for response in (post or {}).get("responses", {}).values():
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            names = {n for n, p in _props(schema, spec).items() if _secret_like(n, p)}
            if names:
                found.setdefault(path, set()).update(names)
    return found


def test_it_finds_the_known_secret_issuing_apis():
    # then: the check itself sees both of today's secret-issuing POSTs
    assert {"/api/v1/api-keys/", "/api/v1/webhooks/"} <= set(_documented_secrets())


def test_every_documented_secret_is_declared_by_its_api():
    # given
    undeclared = {}
    for path, names in _documented_secrets().items():
        view = resolve(re.sub(r"\{[^}]+\}", "1", path)).func.view_class
        # then
        assert issubclass(view, TenantApi), f"{path}: a secret-issuing API must use TenantApi"
        missing = names - set(view.secret_fields)
        if missing:
            undeclared[path] = sorted(missing)
    assert undeclared == {}
