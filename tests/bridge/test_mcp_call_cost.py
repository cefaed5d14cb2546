"""What one MCP tool call costs the partner and the server: one REST operation, counted once, on a reused
database connection that carries no earlier caller's tenant."""
from __future__ import annotations

import json
import time
from typing import Any

import pytest

from apps.bridge.mcp_server import tool_input_schema
from apps.bridge.schemas import operations
from tests.bridge.conftest import key_for, run, with_client
from tests.signals.factories import make_stream
from tests.tenants.factories import TenantFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _fresh_rate_window(margin_s: float = 10.0) -> None:
    # The limiter counts per clock minute: start where the calls below cannot straddle two windows.
    left = 60 - time.time() % 60
    if left < margin_s:
        time.sleep(left + 0.1)


def test_a_tool_call_counts_once_against_the_keys_rate_limit(mcp_url, settings):
    # given: without a schema lookup the transport ran `tools/list` (a REST call) before each tool call; the
    # client itself lists the tools once per session (for their output schemas), which counts as one call
    settings.API_RATE_LIMIT_PER_MINUTE = 4
    key = key_for(TenantFactory(slug="mcp-limit"))
    _fresh_rate_window()

    async def four(client: Any) -> list[Any]:
        return [await client.call_tool("streams_list", {"page_size": 5}) for _ in range(4)]

    # when
    results = run(with_client(mcp_url, key, four))
    # then
    assert [r.is_error for r in results] == [False, False, False, True]
    assert results[3].structured_content["error"]["code"] == "rate_limited"


def test_the_schema_lookup_is_the_listed_catalogue():
    # when
    schema = tool_input_schema("order_place")
    # then
    assert schema == operations()["order_place"].input_schema
    assert tool_input_schema("no_such_tool") is None


def test_a_kept_connection_serves_alternating_tenants_each_in_its_own_context(mcp_url, monkeypatch):
    # given: connections persist (production's CONN_MAX_AGE), so consecutive calls share one in the worker thread
    import threading

    from django.db import connections
    from django.db.backends.signals import connection_created

    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 60)
    a, b = TenantFactory(slug="mcp-alt-a"), TenantFactory(slug="mcp-alt-b")
    make_stream(a, name="a-only")
    make_stream(b, name="b-only")
    keys = {"a": key_for(a), "b": key_for(b)}
    opened: list[int] = []

    def on_open(sender: Any, connection: Any, **kwargs: Any) -> None:
        opened.append(threading.get_ident())

    async def names(client: Any) -> set[str]:
        result = await client.call_tool("streams_list", {})
        return {s["name"] for s in result.structured_content["results"]}

    connection_created.connect(on_open, weak=False)
    try:
        # when
        seen = [(who, run(with_client(mcp_url, keys[who], names))) for who in "abab"]
    finally:
        connection_created.disconnect(on_open)
    # then: no thread opened a second connection, and no call saw the previous caller's rows
    assert len(opened) == len(set(opened)) < 4
    assert seen == [("a", {"a-only"}), ("b", {"b-only"}), ("a", {"a-only"}), ("b", {"b-only"})]


def test_a_tools_text_is_the_rest_body_itself(mcp_url, api_client_for):
    # given
    tenant = TenantFactory(slug="mcp-text")
    make_stream(tenant, name="one")
    make_stream(tenant, name="two")
    rest = api_client_for(tenant).get("/api/v1/streams/", {"page_size": 5})
    # when
    result = run(with_client(mcp_url, key_for(tenant), lambda c: c.call_tool("streams_list", {"page_size": 5})))
    # then: passed through, not decoded and encoded again
    assert result.content[0].text == rest.content.decode()
    assert json.loads(result.content[0].text) == result.structured_content
