"""A tool's answer on the wire: the shape each protocol era gets, and the transport's own checks in front of it."""
from __future__ import annotations

import json
from typing import Any

import pytest
from mcp_types import HEADER_MISMATCH, SERVER_INFO_META_KEY

from tests.bridge.conftest import key_for, run
from tests.signals.factories import make_stream
from tests.tenants.factories import TenantFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


async def _both_eras(url: str, key: str, name: str, arguments: dict[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
    """The same call from a 2026-07-28 client, a handshake-era client, and the 2026-07-28 client's own request
    (body and headers) as sent, for replaying by hand."""
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    sent: dict[str, Any] = {}

    async def capture(request: Any) -> None:
        if b'"tools/call"' in request.content:
            sent.update(body=request.content, headers={k: v for k, v in request.headers.items()
                                                       if k != "content-length"})

    headers = {"Authorization": f"Api-Key {key}"}
    async with httpx2.AsyncClient(headers=headers, timeout=30, event_hooks={"request": [capture]}) as modern_http, \
            httpx2.AsyncClient(headers=headers, timeout=30) as legacy_http:
        async with Client(streamable_http_client(url, http_client=modern_http)) as modern, \
                Client(streamable_http_client(url, http_client=legacy_http), mode="legacy") as legacy:
            return await modern.call_tool(name, arguments), await legacy.call_tool(name, arguments), sent


async def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    import httpx2

    async with httpx2.AsyncClient(timeout=30) as http:
        answer = await http.post(url, content=body, headers=headers)
    return answer.status_code, answer.json()


def test_both_protocol_eras_get_the_rest_body_as_text_and_as_structured_content(mcp_url, api_client_for):
    # given
    tenant = TenantFactory(slug="mcp-eras")
    make_stream(tenant, name="one")
    rest = api_client_for(tenant).get("/api/v1/streams/", {"page_size": 5})
    # when
    modern, legacy, _ = run(_both_eras(mcp_url, key_for(tenant), "streams_list", {"page_size": 5}))
    # then
    for result in (modern, legacy):
        assert not result.is_error
        assert result.content[0].type == "text" and result.content[0].text == rest.content.decode()
        assert result.structured_content == rest.json()


def test_both_protocol_eras_get_a_refusal_as_a_tool_error_with_the_api_code(mcp_url):
    # given
    tenant = TenantFactory(slug="mcp-eras-error")
    # when
    modern, legacy, _ = run(_both_eras(mcp_url, key_for(tenant), "streams_list", {"colour": "red"}))
    # then
    for result in (modern, legacy):
        error = result.structured_content["error"]
        assert result.is_error and error["code"] == "invalid_arguments" and error["status"] == 400
        assert json.loads(result.content[0].text) == {"error": error}


def test_a_2026_answer_carries_the_fields_that_era_requires(mcp_url):
    # given
    tenant = TenantFactory(slug="mcp-wire")
    make_stream(tenant, name="one")
    _, _, sent = run(_both_eras(mcp_url, key_for(tenant), "streams_list", {"page_size": 5}))
    # when: the client's own request, replayed as it was sent
    status, answer = run(_post(mcp_url, sent["body"], sent["headers"]))
    # then: resultType is required at 2026-07-28, and the SDK stamps serverInfo on every answer
    result = answer["result"]
    assert status == 200 and result["resultType"] == "complete" and result["isError"] is False
    assert result["content"][0]["type"] == "text" and json.loads(result["content"][0]["text"]) == result[
        "structuredContent"]
    assert result["_meta"][SERVER_INFO_META_KEY]["name"] == "thermodynasty"


def test_a_request_whose_routing_header_disagrees_with_its_body_is_refused_before_the_tool_runs(mcp_url):
    # given
    tenant = TenantFactory(slug="mcp-header")
    key = key_for(tenant)
    _, _, sent = run(_both_eras(mcp_url, key, "streams_list", {"page_size": 5}))
    headers = {**sent["headers"], "mcp-name": "order_place"}
    # when
    status, answer = run(_post(mcp_url, sent["body"], headers))
    # then: the transport's header check answers, as the 2026-07-28 spec requires (HTTP 400)
    assert status == 400 and "result" not in answer and answer["error"]["code"] == HEADER_MISMATCH
