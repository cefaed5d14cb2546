from __future__ import annotations

import json
from typing import Any

import pytest

from apps.bridge.schemas import openapi_document
from apps.marketplace.models import Order
from apps.ops.models import AuditLog
from apps.signals.models import Point
from tests.bridge.conftest import key_for, run, with_client
from tests.dna.factories import make_graph
from tests.ledger.factories import funded_account
from tests.marketplace.factories import make_market, make_trader, place
from tests.signals.factories import ACTOR, make_stream, wave
from tests.tenants.factories import TenantFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _body(result: Any) -> dict[str, Any]:
    return json.loads(result.content[0].text)


def _stream_with_alert(tenant: Any, name: str = "turbine-temp") -> Any:
    from apps.signals import services

    stream = make_stream(tenant, name=name)
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(600))
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(50, start=600, spike_at=620))
    return stream


def test_it_lists_every_tool_with_the_rest_serializers_schema(mcp_url):
    # given
    key = key_for(TenantFactory(slug="lister"))
    # when
    tools = run(with_client(mcp_url, key, lambda c: c.list_tools())).tools
    # then
    by_name = {t.name: t for t in tools}
    assert {"streams_list", "alerts_list", "points_ingest", "assets_search", "asset_blast_radius", "impact_path",
            "ceu_estimate", "capsule_run", "lab_job_submit", "lab_job_status", "balances", "statement",
            "market_book", "market_quote", "order_place", "order_cancel", "ontology_term", "query", "stream_regimes",
            "changepoints"} <= set(by_name)
    place_schema = by_name["order_place"].input_schema
    rest = openapi_document()["paths"]["/api/v1/markets/{market_id}/orders/"]["post"]
    body_ref = rest["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    body = openapi_document()["components"]["schemas"][body_ref]
    assert set(body["properties"]) | {"market_id", "idempotency_key"} == set(place_schema["properties"])
    assert set(body["required"]) | {"market_id"} == set(place_schema["required"])


def test_each_tool_answers_for_its_own_tenant(mcp_url):
    # given
    tenant = make_trader("mcp-a")
    stream = _stream_with_alert(tenant)
    assets = make_graph(tenant, [("pump", "turbine", "flows_to", 0.8), ("turbine", "grid", "flows_to", 0.5)])
    market = make_market()
    seller = make_trader("mcp-seller")
    place(seller, market, "sell", 120, 10)
    ceu = funded_account(tenant, 0)  # the trader's main CEU account exists already; this one is a second code
    key = key_for(tenant)
    from apps.signals.models import Alert

    alert_id = Alert.objects.filter(tenant=tenant).values_list("pk", flat=True).first()
    calls = {
        "streams_list": {}, "stream_get": {"stream_id": stream.pk}, "stream_signals": {"stream_id": stream.pk},
        "alerts_list": {"status": "open"}, "alert_get": {"alert_id": alert_id},
        "points_ingest": {"stream_id": stream.pk, "points": wave(5, start=700), "idempotency_key": "ingest-1"},
        "assets_search": {"search": "turb"}, "asset_state": {"asset_id": assets["turbine"].pk},
        "asset_blast_radius": {"asset_id": assets["pump"].pk, "depth": 2},
        "impact_path": {"source": assets["pump"].pk, "target": assets["grid"].pk},
        "balances": {}, "statement": {"account_id": ceu.pk, "start": "2020-01-01", "end": "2030-01-01"},
        "market_book": {"market_id": market.pk},
        "market_quote": {"market_id": market.pk, "side": "buy", "quantity": 200_000},
        "order_place": {"market_id": market.pk, "client_id": "mcp-1", "side": "buy", "type": "limit",
                        "price": 1200, "quantity": 200_000, "idempotency_key": "order-1"},
        "ontology_term": {"key": "energy.deviation"},
        "stream_regimes": {"stream_id": stream.pk},
        "query": {"feature": "energy", "aggregate": "max"},
    }

    async def call_all(client: Any) -> dict[str, Any]:
        return {name: await client.call_tool(name, args) for name, args in calls.items()}

    # when
    results = run(with_client(mcp_url, key, call_all))
    # then
    failed = {n: _body(r) for n, r in results.items() if r.is_error}
    assert not failed
    assert results["stream_get"].structured_content["name"] == "turbine-temp"
    assert results["points_ingest"].structured_content["accepted"] == 5
    assert {r["name"] for r in results["streams_list"].structured_content["results"]} == {"turbine-temp"}
    assert results["query"].structured_content["results"][0]["id"] == stream.pk
    assert results["market_quote"].structured_content["worst_price"] == 1200
    assert results["order_place"].structured_content["client_id"] == "mcp-1"
    assert Order.objects.filter(tenant=tenant, client_id="mcp-1").count() == 1
    assert AuditLog.objects.filter(tenant_id=tenant.pk, action="bridge.mcp_tool:stream_get").count() == 1


def test_a_read_key_cannot_place_an_order_and_nothing_is_written(mcp_url):
    # given
    tenant = make_trader("mcp-reader")
    market = make_market()
    key = key_for(tenant, scopes=("read",))
    before = Order.objects.count()
    # when
    result = run(with_client(mcp_url, key, lambda c: c.call_tool("order_place", {
        "market_id": market.pk, "client_id": "r-1", "side": "buy", "type": "limit", "price": 1000,
        "quantity": 100_000, "idempotency_key": "r-1"})))
    # then
    assert result.is_error
    error = result.structured_content["error"]
    assert error["status"] == 403 and error["code"] == "permission_denied" and "trade" in error["message"]
    assert Order.objects.count() == before


def test_tenant_a_never_sees_tenant_b_through_any_tool(mcp_url):
    # given
    a, b = TenantFactory(slug="mcp-ta"), TenantFactory(slug="mcp-tb")
    _stream_with_alert(a, name="a-stream")
    b_stream = _stream_with_alert(b, name="b-secret")
    b_assets = make_graph(b, [("b1", "b2", "flows_to", 1.0)])
    from apps.signals.models import Alert

    b_alert = Alert.objects.filter(tenant=b).values_list("pk", flat=True).first()
    key = key_for(a)
    probes = {
        "stream_get": {"stream_id": b_stream.pk}, "stream_signals": {"stream_id": b_stream.pk},
        "alert_get": {"alert_id": b_alert}, "asset_state": {"asset_id": b_assets["b1"].pk},
        "asset_blast_radius": {"asset_id": b_assets["b1"].pk},
        "points_ingest": {"stream_id": b_stream.pk, "points": wave(3, start=900), "idempotency_key": "x"},
    }

    async def probe(client: Any) -> tuple[dict[str, Any], Any, Any, Any]:
        answers = {n: await client.call_tool(n, args) for n, args in probes.items()}
        return (answers, await client.call_tool("streams_list", {}), await client.call_tool("alerts_list", {}),
                await client.call_tool("query", {"feature": "alerts"}))

    # when
    answers, streams, alerts, query = run(with_client(mcp_url, key, probe))
    # then
    assert {n: r.structured_content["error"]["status"] for n, r in answers.items()} == dict.fromkeys(probes, 404)
    assert {s["name"] for s in streams.structured_content["results"]} == {"a-stream"}
    assert all(x["stream"] != b_stream.pk for x in alerts.structured_content["results"])
    assert [r["name"] for r in query.structured_content["results"]] == ["a-stream"]
    assert Point.objects.filter(stream_id=b_stream.pk).count() == 650


def test_bad_arguments_get_clear_errors_and_nothing_is_written(mcp_url):
    # given
    tenant = make_trader("mcp-bad")
    stream = make_stream(tenant)
    key = key_for(tenant)

    async def calls(client: Any) -> list[Any]:
        return [
            await client.call_tool("stream_get", {"stream_id": stream.pk, "colour": "red"}),
            await client.call_tool("points_ingest", {"stream_id": stream.pk, "idempotency_key": "b-1",
                                                     "points": [{"t": 1.7e9, "v": "hot"}]}),
            await client.call_tool("query", {"feature": "temperature", "limit": 1000}),
            await client.call_tool("no_such_tool", {}),
        ]

    # when
    unknown_arg, bad_point, bad_limit, unknown_tool = run(with_client(mcp_url, key, calls))
    # then
    assert unknown_arg.structured_content["error"]["extra"]["fields"] == {"colour": ["Unknown argument."]}
    assert bad_point.structured_content["error"]["status"] == 400
    assert bad_limit.structured_content["error"]["status"] == 400
    assert "limit" in bad_limit.structured_content["error"]["extra"]["fields"]
    assert unknown_tool.is_error and Point.objects.filter(stream_id=stream.pk).count() == 0


def test_a_write_tool_honours_its_idempotency_key(mcp_url):
    # given
    tenant = TenantFactory(slug="mcp-idem")
    stream = make_stream(tenant)
    key = key_for(tenant)
    args = {"stream_id": stream.pk, "points": wave(10), "idempotency_key": "same"}

    async def twice(client: Any) -> tuple[Any, Any]:
        return await client.call_tool("points_ingest", args), await client.call_tool("points_ingest", args)

    # when
    first, second = run(with_client(mcp_url, key, twice))
    # then
    assert not first.is_error and not second.is_error
    assert first.structured_content == second.structured_content
    assert Point.objects.filter(stream_id=stream.pk).count() == 10


def _mcp_error(action: Any) -> Any:
    """The MCPError raised by `action`, unwrapped from the client's task-group exception groups."""
    from mcp.shared.exceptions import MCPError

    try:
        action()
    except BaseException as exc:  # noqa: BLE001 - unwrapped and checked below
        while isinstance(exc, BaseExceptionGroup):
            exc = exc.exceptions[0]
        assert isinstance(exc, MCPError), repr(exc)
        return exc
    raise AssertionError("no MCPError was raised")


def test_without_a_valid_key_nothing_is_listed_or_called(mcp_url):
    # when
    no_key = _mcp_error(lambda: run(with_client(mcp_url, None, lambda c: c.list_tools())))
    bad_key = _mcp_error(lambda: run(with_client(mcp_url, "td_bogus_key", lambda c: c.list_tools())))
    called = run(with_client(mcp_url, "td_bogus_key", lambda c: c.call_tool("streams_list", {})))
    # then
    assert "Api-Key" in no_key.error.message
    assert "API key" in bad_key.error.message
    assert called.is_error and called.structured_content["error"]["status"] == 401


def test_resources_and_prompts_answer_in_the_keys_tenant(mcp_url):
    # given
    tenant = TenantFactory(slug="mcp-res")
    key = key_for(tenant)

    async def read(client: Any) -> tuple[Any, Any, Any]:
        listed = await client.list_resources()
        ontology = await client.read_resource("thermo://ontology")
        prompt = await client.get_prompt("investigate_alert", {"alert_id": "42"})
        return listed, ontology, prompt

    # when
    listed, ontology, prompt = run(with_client(mcp_url, key, read))
    # then
    assert {str(r.uri) for r in listed.resources} == {"thermo://ontology", "thermo://templates",
                                                      "thermo://graph/summary"}
    assert json.loads(ontology.contents[0].text)["terms"]
    assert "alert_get" in prompt.messages[0].content.text and "42" in prompt.messages[0].content.text
