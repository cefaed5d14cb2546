"""The partner docs across the whole schema: a new operation cannot ship without a summary, examples and its
error responses, and the examples must stay valid against the operation's own schemas."""
from __future__ import annotations

import copy
import importlib
import json
from enum import Enum
from typing import Any

import jsonschema
import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from apps.tenants.models import TenantKind
from tests.tenants.factories import TenantFactory
from thermodynasty.openapi_docs.catalogue import DOCS

ERROR_APPS = ("billing", "capsules", "core", "dna", "lab", "ledger", "marketplace", "ops", "signals", "tenants")
ERROR_REF = "#/components/schemas/Error"


def _known_codes() -> set[str]:
    codes: set[str] = set()
    for app in ERROR_APPS:
        module = importlib.import_module(f"apps.{app}.errors")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Enum) and value.__module__ == module.__name__:
                codes.update(member.value for member in value)
    return codes


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for path in schema["paths"].values() for op in path.values()]


def _json(holder: dict[str, Any] | None) -> dict[str, Any] | None:
    return ((holder or {}).get("content") or {}).get("application/json")


def _as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable` is not JSON Schema: turn it into a null alternative."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _as_json_schema(value) for key, value in node.items() if key != "nullable"}
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") else converted


def _example_problems(schema: dict[str, Any], operation: dict[str, Any], holder: dict[str, Any] | None,
                      what: str) -> list[str]:
    content = _json(holder)
    if not content or "examples" not in content:
        return []
    root = {**_as_json_schema(content["schema"]), "components": _as_json_schema(schema["components"])}
    problems = []
    for example in content["examples"].values():
        for error in jsonschema.Draft202012Validator(root).iter_errors(example["value"]):
            problems.append(f"{operation['operationId']}: {what} example: {error.message} at {list(error.path)}")
    return problems


def _error_problems(operation: dict[str, Any], known: set[str]) -> list[str]:
    op_id = operation["operationId"]
    responses = operation["responses"]
    doc = DOCS.get(op_id)
    expected = {"429", "401", "403"} if not (doc and doc.public) else set()
    if any(p["in"] == "path" for p in operation.get("parameters", [])):
        expected.add("404")
    if "requestBody" in operation:
        expected.add("400")
    problems = [f"{op_id}: no {status} response" for status in sorted(expected - responses.keys())]
    for status, response in responses.items():
        if status.startswith("2"):
            continue
        content = _json(response) or {}
        if content.get("schema", {}).get("$ref") != ERROR_REF:
            problems.append(f"{op_id}: {status} does not use the Error component")
        for code, example in content.get("examples", {}).items():
            body = example["value"]
            if code not in known or body.get("code") != code or set(body) != {"code", "message", "extra"}:
                problems.append(f"{op_id}: {status} example {code!r} is not a known {{code, message, extra}}")
    return problems


def docs_problems(schema: dict[str, Any]) -> list[str]:
    known = _known_codes()
    problems: list[str] = []
    for operation in _operations(schema):
        op_id = operation["operationId"]
        if not operation.get("summary") or not operation.get("description"):
            problems.append(f"{op_id}: no written summary and description")
        body = _json(operation.get("requestBody"))
        if body is not None and not body.get("examples"):
            problems.append(f"{op_id}: takes a body but has no example request")
        success = next((r for code, r in sorted(operation["responses"].items()) if code.startswith("2")), None)
        if _json(success) is not None and not _json(success).get("examples"):
            problems.append(f"{op_id}: answers JSON but has no example response")
        problems += _example_problems(schema, operation, operation.get("requestBody"), "request")
        problems += _example_problems(schema, operation, success, "response")
        problems += _error_problems(operation, known)
    return problems


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    # a JSON round trip, as partners and the SDK generator read it (no lazy strings or tuples)
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


def test_every_operation_is_documented_for_partners(schema):
    # then
    assert docs_problems(schema) == []


def test_an_undocumented_operation_is_caught(schema):
    # given: a new endpoint with no catalogue entry, and an example that no longer fits its schema
    broken = copy.deepcopy(schema)
    ingest = broken["paths"]["/api/v1/streams/{stream_id}/points/"]["post"]
    del ingest["summary"]
    del ingest["responses"]["401"]
    ingest["requestBody"]["content"]["application/json"]["examples"]["example"]["value"] = {"points": "21.5"}
    # when
    problems = docs_problems(broken)
    # then
    assert "stream_points_ingest: no written summary and description" in problems
    assert "stream_points_ingest: no 401 response" in problems
    assert any(p.startswith("stream_points_ingest: request example:") for p in problems)


def test_the_ingest_example_is_real_points(schema):
    # when
    ingest = schema["paths"]["/api/v1/streams/{stream_id}/points/"]["post"]
    example = ingest["requestBody"]["content"]["application/json"]["examples"]["example"]["value"]
    # then
    assert example["points"][0] == {"t": 1700000000, "v": 21.5}


def test_paid_work_documents_insufficient_ceu_as_402(schema):
    # when
    submit = schema["paths"]["/api/v1/lab/jobs/"]["post"]["responses"]
    # then
    assert submit["402"]["content"]["application/json"]["examples"]["insufficient_ceu"]["value"]["code"] == (
        "insufficient_ceu")
    assert set(submit["409"]["content"]["application/json"]["examples"]) >= {"idempotency_conflict"}
    assert "idempotency_key_required" in submit["400"]["content"]["application/json"]["examples"]
    header = next(p for p in schema["paths"]["/api/v1/lab/jobs/"]["post"]["parameters"] if p["in"] == "header")
    assert header["name"] == "Idempotency-Key" and header["required"] is True


def test_the_error_component_has_the_error_shape(schema):
    # when
    error = schema["components"]["schemas"]["Error"]
    # then
    assert sorted(error["required"]) == ["code", "extra", "message"]
    assert error["properties"]["extra"]["type"] == "object"


@pytest.mark.django_db
def test_the_docs_carry_the_partners_brand_on_its_domain():
    # given
    TenantFactory(slug="helios-docs", kind=TenantKind.PARTNER, display_name="Helios Shield",
                  logo_url="https://cdn.helios.example/logo.svg", custom_domain="portal.helios.example")
    # when
    branded = Client().get("/api/docs/", HTTP_HOST="portal.helios.example").content.decode()
    plain = Client().get("/api/docs/").content.decode()
    schema_title = Client().get("/api/schema/?format=json", HTTP_HOST="portal.helios.example").json()["info"]
    # then
    assert "<title>Helios Shield API</title>" in branded
    assert 'src="https://cdn.helios.example/logo.svg"' in branded
    assert schema_title["title"] == "Helios Shield API"
    assert "<title>Thermodynasty API</title>" in plain and "Helios" not in plain


def _example(schema: dict[str, Any], path: str, method: str, what: str) -> Any:
    operation = schema["paths"][path][method]
    holder = operation["requestBody"] if what == "request" else next(
        r for code, r in sorted(operation["responses"].items()) if code.startswith("2"))
    return holder["content"]["application/json"]["examples"]["example"]["value"]


# Webhook URLs must resolve to public addresses, which a test machine cannot promise: not exercised here.
@pytest.mark.parametrize("path", ["/api/v1/streams/", "/api/v1/dna/assets/", "/api/v1/api-keys/",
                                  "/api/v1/ledger/accounts/"])
def test_a_documented_create_example_works_on_the_live_api(schema, api, path):
    # given
    request = _example(schema, path, "post", "request")
    # when
    answer = api.post(path, request, format="json", HTTP_IDEMPOTENCY_KEY=f"docs-{path}")
    # then: the documented request is accepted and answers the documented shape
    assert answer.status_code == 201, answer.json()
    assert set(answer.json()) == set(_example(schema, path, "post", "response"))


def test_the_documented_ingest_example_works_on_the_live_api(schema, api):
    # given
    stream = api.post("/api/v1/streams/", _example(schema, "/api/v1/streams/", "post", "request"),
                      format="json").json()
    path = "/api/v1/streams/{stream_id}/points/"
    # when
    answer = api.post(f"/api/v1/streams/{stream['id']}/points/", _example(schema, path, "post", "request"),
                      format="json", HTTP_IDEMPOTENCY_KEY="docs-ingest")
    # then
    assert answer.status_code == 201, answer.json()
    assert answer.json()["accepted"] == 3
    assert set(answer.json()) == set(_example(schema, path, "post", "response"))


def _documents(schema: dict[str, Any], path: str, method: str, answer: Any) -> bool:
    response = schema["paths"][path][method]["responses"].get(str(answer.status_code), {})
    return answer.json()["code"] in (_json(response) or {}).get("examples", {})


def test_errors_the_api_really_answers_are_the_documented_ones(schema, api, other_api):
    # given
    streams, points = "/api/v1/streams/", "/api/v1/streams/{stream_id}/points/"
    stream = api.post(streams, {"name": "boiler"}, format="json").json()
    too_many = {"points": [{"t": 1700000000 + i, "v": 1.0} for i in range(10001)]}
    # when
    answers = {
        (streams, "post"): api.post(streams, {"name": "boiler"}, format="json"),
        (points, "post"): api.post(f"/api/v1/streams/{stream['id']}/points/", too_many, format="json"),
        ("/api/v1/streams/{stream_id}/", "get"): other_api.get(f"/api/v1/streams/{stream['id']}/"),
        ("/api/v1/lab/jobs/", "post"): api.post("/api/v1/lab/jobs/", _example(schema, "/api/v1/lab/jobs/", "post",
                                                "request"), format="json", HTTP_IDEMPOTENCY_KEY="docs-lab"),
        ("/api/v1/alerts/", "get"): Client().get("/api/v1/alerts/"),
    }
    # then: duplicate 409, oversized 400, foreign 404, no CEU 402, no key 401 - each as documented
    assert [a.status_code for a in answers.values()] == [409, 400, 404, 402, 401]
    assert all(_documents(schema, path, method, answer) for (path, method), answer in answers.items())
