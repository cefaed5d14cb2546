"""Every MCP tool call by an authenticated key leaves exactly one audit row, whatever its outcome (answered,
refused, rate-limited, failed), written in the key's tenant context as one pipelined INSERT of its own
(asynchronous commit)."""
from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest
from django.db import connection

from apps.bridge.dispatch import ApiCall, api_call
from apps.marketplace.models import Order
from apps.ops.models import AuditLog
from apps.tenants.services import IssuedApiKey
from tests.bridge.conftest import run, with_client
from tests.marketplace.factories import make_market, make_trader
from tests.signals.factories import make_stream
from tests.tenants.factories import ApiKeyFactory, TenantFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _rows(issued: IssuedApiKey) -> list[AuditLog]:
    return list(AuditLog.objects.filter(actor_api_key_id=issued.api_key.pk).order_by("id"))


def _assert_row(row: AuditLog, issued: IssuedApiKey, tool: str, operation: str, status: int) -> None:
    key = issued.api_key
    assert (row.tenant_id, row.action, row.object_type, row.object_id, row.after, row.actor_label) == (
        key.tenant_id, f"bridge.mcp_tool:{tool}", "api_operation", operation, {"status": status},
        f"mcp:api-key:{key.prefix}")
    assert row.request_id  # written inside the request, so it carries the request's id


def test_an_answered_a_refused_and_a_failed_write_each_leave_one_row(mcp_url):
    # given
    tenant = make_trader("mcp-audit")
    stream = make_stream(tenant)
    market = make_market()
    reader, writer = (ApiKeyFactory.issue(tenant=tenant, scopes=s) for s in (["read"], ["read", "write"]))
    order = {"market_id": market.pk, "client_id": "a-1", "side": "buy", "type": "limit", "price": 1000,
             "quantity": 100_000, "idempotency_key": "a-1"}

    async def read(client: Any) -> list[Any]:
        return [await client.call_tool("streams_list", {"page_size": 5}),
                await client.call_tool("order_place", order)]

    async def write(client: Any) -> Any:
        return await client.call_tool("points_ingest", {"stream_id": stream.pk, "idempotency_key": "bad",
                                                        "points": [{"t": 1.7e9, "v": "hot"}]})

    # when
    listed, refused = run(with_client(mcp_url, reader.secret, read))
    failed = run(with_client(mcp_url, writer.secret, write))
    # then
    assert not listed.is_error and refused.structured_content["error"]["status"] == 403
    assert failed.structured_content["error"]["status"] == 400 and Order.objects.count() == 0
    first, second = _rows(reader)
    _assert_row(first, reader, "streams_list", "GET /api/v1/streams/", 200)
    _assert_row(second, reader, "order_place", f"POST /api/v1/markets/{market.pk}/orders/", 403)
    (only,) = _rows(writer)
    _assert_row(only, writer, "points_ingest", f"POST /api/v1/streams/{stream.pk}/points/", 400)


def test_a_rate_limited_call_is_audited_in_its_keys_tenant(mcp_url, settings):
    # given: the limiter refuses before the API knows the tenant, so the row must set the context itself;
    # the client's own tools/list counts as the first call of the two allowed
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    issued = ApiKeyFactory.issue(tenant=TenantFactory(slug="mcp-audit-limit"))
    left = 60 - time.time() % 60
    if left < 10:  # the limiter counts per clock minute: keep both calls in one
        time.sleep(left + 0.1)

    async def twice(client: Any) -> list[Any]:
        return [await client.call_tool("streams_list", {}) for _ in range(2)]

    # when
    answered, limited = run(with_client(mcp_url, issued.secret, twice))
    # then
    assert not answered.is_error and limited.structured_content["error"]["status"] == 429
    first, second = _rows(issued)
    _assert_row(first, issued, "streams_list", "GET /api/v1/streams/", 200)
    _assert_row(second, issued, "streams_list", "GET /api/v1/streams/", 429)


def test_a_call_whose_view_breaks_is_audited_as_a_server_error(mcp_url, monkeypatch):
    # given: one failure the API's error handler shapes, one that escapes the view altogether
    from apps.signals import apis, selectors

    issued = ApiKeyFactory.issue(tenant=TenantFactory(slug="mcp-audit-500"))
    stream = make_stream(issued.api_key.tenant)

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("a bug in the selector")

    def escaping(self: Any, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug after the view answered")

    monkeypatch.setattr(selectors, "stream_list", broken)
    monkeypatch.setattr(apis.StreamDetailApi, "finalize_response", escaping)

    async def both(client: Any) -> list[Any]:
        return [await client.call_tool("streams_list", {}),
                await client.call_tool("stream_get", {"stream_id": stream.pk})]

    # when
    shaped, escaped = run(with_client(mcp_url, issued.secret, both))
    # then
    assert [r.structured_content["error"]["status"] for r in (shaped, escaped)] == [500, 500]
    first, second = _rows(issued)
    _assert_row(first, issued, "streams_list", "GET /api/v1/streams/", 500)
    _assert_row(second, issued, "stream_get", f"GET /api/v1/streams/{stream.pk}/", 500)


def test_the_row_is_one_pipelined_insert_in_the_requests_own_tenant_context(monkeypatch):
    # given: the call runs right here, so every statement psycopg sends for the request can be watched
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)  # the request must keep the watched connection
    issued = ApiKeyFactory.issue(tenant=TenantFactory(slug="mcp-audit-trips"))
    sent: list[tuple[str, bool]] = []
    execute = psycopg.Cursor.execute

    def watch(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append((str(query), self.connection._pipeline is not None))
        return execute(self, query, *args, **kwargs)

    call = ApiCall(method="GET", path="/api/v1/streams/", query={}, body=None,
                   authorization=f"Api-Key {issued.secret}", audit_action="bridge.mcp_tool:streams_list")
    monkeypatch.setattr(psycopg.Cursor, "execute", watch)
    # when
    answer = api_call(call)
    monkeypatch.undo()
    # then: the view's statements, then BEGIN, SET LOCAL, INSERT, COMMIT in one pipeline (no tenant context set
    # or restored around them), then the request's own leave_request
    assert answer.status == 200
    at = next(i for i, (sql, _) in enumerate(sent) if sql.startswith('INSERT INTO "ops_auditlog"'))
    assert [sql for sql, _ in sent[at - 2:at]] == ["BEGIN", "SET LOCAL synchronous_commit TO off"]
    assert "set_config" not in sent[at - 3][0] and sent[at + 1][0] == "COMMIT"
    assert [in_pipeline for _, in_pipeline in sent[at - 2:at + 2]] == [True] * 4
    assert len(sent) == at + 3 and "set_config" in sent[at + 2][0]  # the request's own leave_request
    assert AuditLog.objects.filter(actor_api_key_id=issued.api_key.pk).count() == 1
