"""POST /api/v1/markets/<id>/orders/batch/: per-order outcomes, replays, scopes, tenants and bad input."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from apps.marketplace.models import Order
from apps.marketplace.services import sequencer_client
from tests.marketplace.writer_thread import writer_thread

pytestmark = pytest.mark.django_db


def _order(client_id: str, **overrides: Any) -> dict[str, Any]:
    return {"client_id": client_id, "side": "buy", "type": "limit", "price": 1000, "quantity": 300_000, **overrides}


def _url(market_id: int) -> str:
    return f"/api/v1/markets/{market_id}/orders/batch/"


MIXED = [_order("s-1", side="sell", quantity=500_000), _order("b-off", price=1005),
         _order("b-rich", quantity=99_000_000_000), _order("b-1")]


def test_each_order_is_answered_on_its_own_in_the_requests_order(api, market, funded):
    # when
    response = api.post(_url(market.pk), {"orders": MIXED}, format="json")
    # then: refusals do not stop the others, and the last order trades against the first
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["index"], r["status"]) for r in results] == [(0, 201), (1, 400), (2, 400), (3, 201)]
    assert [r["error"]["code"] for r in results[1:3]] == ["off_tick_price", "insufficient_funds"]
    assert results[1]["error"]["extra"]["fields"]["price"]
    assert (results[0]["order"]["status"], results[0]["order"]["open_quantity"]) == ("open", 500_000)
    # a self-trade is prevented (cancel_newest): the buy is cancelled, proving it saw the resting sell
    assert (results[3]["order"]["status"], results[3]["order"]["cancel_reason"]) == ("cancelled", "stp")
    assert results[3]["order"]["replayed"] is False and results[0]["error"] is None
    assert Order.objects.filter(market=market).count() == 2


def test_a_repeated_batch_answers_replays_and_refuses_a_reused_client_id(api, market, funded):
    # given
    first = api.post(_url(market.pk), {"orders": MIXED}, format="json").json()["results"]
    # when
    again = api.post(_url(market.pk), {"orders": [*MIXED, _order("s-1", side="buy")]}, format="json")
    # then
    results = again.json()["results"]
    assert [r["status"] for r in results] == [200, 400, 400, 200, 409]
    assert [r["order"]["id"] for r in (results[0], results[3])] == [first[0]["order"]["id"], first[3]["order"]["id"]]
    assert results[0]["order"]["replayed"] is True and results[4]["error"]["code"] == "duplicate_client_id"
    assert Order.objects.filter(market=market).count() == 2


def test_the_idempotency_key_replays_the_stored_answer(api, market, funded):
    # given
    headers = {"HTTP_IDEMPOTENCY_KEY": "batch-1"}
    first = api.post(_url(market.pk), {"orders": [_order("k-1"), _order("k-2")]}, format="json", **headers)
    # when
    second = api.post(_url(market.pk), {"orders": [_order("k-1"), _order("k-2")]}, format="json", **headers)
    changed = api.post(_url(market.pk), {"orders": [_order("k-3")]}, format="json", **headers)
    # then: the stored body, not a replay by client id
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json() and second["Idempotency-Key"] == "batch-1"
    assert [r["status"] for r in second.json()["results"]] == [201, 201]
    assert changed.status_code in (409, 422) and not Order.objects.filter(client_id="k-3").exists()


@pytest.mark.parametrize(("body", "field"), [
    ({"orders": [_order("ok-1"), _order("bad", side="up")]}, "orders"),
    ({"orders": [_order("ok-1"), {**_order("bad"), "colour": "red"}]}, "orders"),
    ({"orders": []}, "orders"),
    ({"orders": [_order(f"n-{i}") for i in range(101)]}, "orders"),
    ({}, "orders"),
])
def test_a_malformed_batch_is_refused_whole_and_places_nothing(api, market, funded, body, field):
    # when
    response = api.post(_url(market.pk), body, format="json")
    # then
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    assert not Order.objects.filter(market=market).exists()


def test_a_bad_order_is_named_by_its_index(api, market, funded):
    # when
    response = api.post(_url(market.pk), {"orders": [_order("ok-1"), _order("bad", side="up")]}, format="json")
    # then
    assert "side" in str(response.json()["extra"]["fields"]["orders"]["1"])


def test_a_read_only_key_cannot_place_a_batch(api_client_for, tenant, market, funded):
    # given
    reader = api_client_for(tenant, scopes=("read",))
    # when
    response = reader.post(_url(market.pk), {"orders": [_order("r-1")]}, format="json")
    # then
    assert response.status_code == 403 and not Order.objects.exists()


def test_another_tenants_client_ids_are_its_own(api, other_api, market, funded, tenant, other_tenant):
    # given
    mine = api.post(_url(market.pk), {"orders": [_order("same-1")]}, format="json").json()["results"][0]
    # when: the other tenant uses the same client id with a different order
    theirs = other_api.post(_url(market.pk), {"orders": [_order("same-1", price=990)]}, format="json")
    # then: a new order of its own, not a replay nor a duplicate of mine, and mine stays hidden from it
    result = theirs.json()["results"][0]
    assert (result["status"], result["order"]["replayed"]) == (201, False)
    assert result["order"]["id"] != mine["order"]["id"]
    assert other_api.get(f"/api/v1/markets/orders/{mine['order']['id']}/").status_code == 404
    assert Order.objects.get(pk=result["order"]["id"]).tenant_id == other_tenant.pk


def test_an_unknown_market_is_a_404_for_the_whole_batch(api, funded):
    # when
    response = api.post(_url(987_654), {"orders": [_order("u-1"), _order("u-2")]}, format="json")
    # then
    assert (response.status_code, response.json()["code"]) == (404, "unknown_market")


@pytest.fixture
def writer(market: Any) -> Iterator[None]:
    with writer_thread(market.pk):
        yield


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_batch_goes_through_the_market_writer_with_the_same_answers(api, market, funded, writer):
    # given: the writer leads the market
    assert sequencer_client.leader_alive(market.pk)
    # when
    first = api.post(_url(market.pk), {"orders": MIXED}, format="json").json()["results"]
    again = api.post(_url(market.pk), {"orders": MIXED}, format="json").json()["results"]
    # then: the per-order path's answers (see the first test), through one queue push
    assert [r["status"] for r in first] == [201, 400, 400, 201]
    assert [r["error"]["code"] for r in first[1:3]] == ["off_tick_price", "insufficient_funds"]
    assert (first[3]["order"]["status"], first[3]["order"]["cancel_reason"]) == ("cancelled", "stp")
    assert [r["status"] for r in again] == [200, 400, 400, 200]
    assert Order.objects.filter(market=market).count() == 2
    assert sequencer_client.client().llen(sequencer_client.queue_key(market.pk)) == 0
