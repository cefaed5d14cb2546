from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.marketplace.factories import make_market, place

pytestmark = pytest.mark.django_db


def _order(**overrides):
    return {"client_id": "o-1", "side": "buy", "type": "limit", "price": 1000, "quantity": 300_000, **overrides}


def test_place_then_replay_then_read_an_order(api, market, funded):
    # when
    created = api.post(f"/api/v1/markets/{market.pk}/orders/", _order(), format="json")
    replayed = api.post(f"/api/v1/markets/{market.pk}/orders/", _order(), format="json")
    detail = api.get(f"/api/v1/markets/orders/{created.json()['id']}/")
    # then
    assert created.status_code == 201 and replayed.status_code == 200
    body = created.json()
    assert (body["status"], body["price_ticks"], body["qty_lots"], body["replayed"]) == ("open", 100, 3, False)
    assert body["reserved_remaining"] == 300 and body["reserve_asset"] == "CEU"
    assert replayed.json()["replayed"] is True and replayed.json()["id"] == body["id"]
    assert detail.json()["client_id"] == "o-1"


def test_trading_between_two_tenants_shows_in_fills_trades_depth_candles_and_stats(api, other_api, market, funded):
    # given
    api.post(f"/api/v1/markets/{market.pk}/orders/", _order(side="sell", quantity=500_000), format="json")
    # when
    taker = other_api.post(f"/api/v1/markets/{market.pk}/orders/", _order(client_id="t-1"), format="json").json()
    # then
    assert taker["status"] == "filled" and taker["filled_notional"] == 300
    fills = api.get("/api/v1/markets/fills/").json()["results"]
    assert [(f["role"], f["quantity"], f["price"]) for f in fills] == [("maker", 300_000, 1000)]
    trades = api.get(f"/api/v1/markets/{market.pk}/trades/").json()["results"]
    assert [(t["price"], t["quantity"], t["taker_side"]) for t in trades] == [(1000, 300_000, "buy")]
    depth = api.get(f"/api/v1/markets/{market.pk}/depth/?levels=5").json()
    assert depth == {"bids": [], "asks": [{"price": 1000, "price_ticks": 100, "quantity": 200_000, "qty_lots": 2,
                                           "orders": 1}]}
    candles = api.get(f"/api/v1/markets/{market.pk}/candles/?interval=1m").json()
    assert [(c["open"], c["close"], c["volume"], c["trades"]) for c in candles] == [(1000, 1000, 300_000, 1)]
    assert api.get(f"/api/v1/markets/{market.pk}/candles/?interval=1d").json()[0]["high"] == 1000
    stats = api.get(f"/api/v1/markets/{market.pk}/stats/").json()
    assert (stats["last"], stats["volume"], stats["quote_volume"], stats["trades"]) == (1000, 300_000, 300, 1)


def test_the_event_feed_returns_only_what_changed_since_the_last_poll(api, other_api, market, funded):
    # given
    first = api.get(f"/api/v1/markets/{market.pk}/events/?after=0").json()
    api.post(f"/api/v1/markets/{market.pk}/orders/", _order(side="sell"), format="json")
    other_api.post(f"/api/v1/markets/{market.pk}/orders/", _order(client_id="x"), format="json")
    # when
    changed = api.get(f"/api/v1/markets/{market.pk}/events/?after={first['seq']}").json()
    quiet = api.get(f"/api/v1/markets/{market.pk}/events/?after={changed['seq']}").json()
    # then
    assert changed["seq"] == first["seq"] + 2
    assert len(changed["trades"]) == 1 and [o["client_id"] for o in changed["orders"]] == ["o-1"]
    assert [f["role"] for f in changed["fills"]] == ["maker"]
    assert (quiet["trades"], quiet["orders"], quiet["fills"]) == ([], [], [])


def test_amend_cancel_and_cancel_all(api, market, funded):
    # given
    one = api.post(f"/api/v1/markets/{market.pk}/orders/", _order(), format="json").json()
    api.post(f"/api/v1/markets/{market.pk}/orders/", _order(client_id="o-2", price=990), format="json")
    api.post(f"/api/v1/markets/{market.pk}/orders/", _order(client_id="o-3", price=980), format="json")
    # when
    amended = api.post(f"/api/v1/markets/orders/{one['id']}/amend/", {"quantity": 100_000}, format="json")
    cancelled = api.post(f"/api/v1/markets/orders/{one['id']}/cancel/")
    rest = api.post(f"/api/v1/markets/{market.pk}/orders/cancel-all/")
    # then
    assert amended.json()["open_quantity"] == 100_000
    assert cancelled.json()["status"] == "cancelled"
    assert sorted(o["client_id"] for o in rest.json()) == ["o-2", "o-3"]
    assert api.get("/api/v1/markets/orders/?status=open").json()["results"] == []


@pytest.mark.parametrize("overrides, code, field", [
    ({"price": 1005}, "off_tick_price", "price"),
    ({"quantity": 150_000}, "off_lot_size", "quantity"),
    ({"quantity": None}, "validation_error", "quantity"),
    ({"colour": "red"}, "validation_error", "colour"),
])
def test_bad_input_gets_a_400_naming_the_field(api, market, funded, overrides, code, field):
    # when
    response = api.post(f"/api/v1/markets/{market.pk}/orders/", _order(**overrides), format="json")
    # then
    assert response.status_code == 400
    assert response.json()["code"] == code and field in response.json()["extra"]["fields"]
    assert api.get("/api/v1/markets/orders/").json()["results"] == []


def test_unknown_markets_and_insufficient_funds_are_refused(api, market, tenant):
    # when
    unknown = api.post("/api/v1/markets/999999999/orders/", _order(), format="json")
    broke = api.post(f"/api/v1/markets/{market.pk}/orders/", _order(), format="json")
    # then
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_market")
    assert (broke.status_code, broke.json()["code"]) == (400, "insufficient_funds")


def test_a_read_only_key_sees_markets_but_cannot_trade(api_client_for, tenant, market, funded):
    # given
    reader = api_client_for(tenant, scopes=("read",))
    # when
    listed = reader.get("/api/v1/markets/")
    placed = reader.post(f"/api/v1/markets/{market.pk}/orders/", _order(), format="json")
    # then
    assert listed.status_code == 200 and market.symbol in [m["symbol"] for m in listed.json()["results"]]
    assert (placed.status_code, placed.json()["code"]) == (403, "permission_denied")


def test_another_tenants_orders_are_not_found(api, other_api, market, funded):
    # given
    theirs = other_api.post(f"/api/v1/markets/{market.pk}/orders/", _order(), format="json").json()
    # when
    responses = [api.get(f"/api/v1/markets/orders/{theirs['id']}/"),
                 api.post(f"/api/v1/markets/orders/{theirs['id']}/cancel/"),
                 api.post(f"/api/v1/markets/orders/{theirs['id']}/amend/", {"quantity": 100_000}, format="json")]
    # then
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert api.get("/api/v1/markets/orders/").json()["results"] == []
    assert other_api.get(f"/api/v1/markets/orders/{theirs['id']}/").json()["status"] == "open"


def test_the_portal_session_can_trade_with_its_csrf_token(tenant, make_member, market, funded):
    # given
    user = make_member(tenant, role="analyst")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    token = client.get("/markets/").cookies["csrftoken"].value
    # when
    without = client.post(f"/api/v1/markets/{market.pk}/orders/", _order(), format="json")
    with_token = client.post(f"/api/v1/markets/{market.pk}/orders/", _order(), format="json", HTTP_X_CSRFTOKEN=token)
    # then
    assert without.status_code == 403 and with_token.status_code == 201


def test_a_viewer_session_cannot_place_orders(tenant, make_member, market, funded):
    # given
    client = APIClient()
    client.force_login(make_member(tenant, role="viewer"))
    # when
    response = client.post(f"/api/v1/markets/{market.pk}/orders/", _order(), format="json")
    # then
    assert response.status_code == 403


def test_market_orders_shortcut_lists_only_that_market(api, market, funded, tenant):
    # given
    other = make_market()
    place(tenant, other, "buy", 100, 1)
    api.post(f"/api/v1/markets/{market.pk}/orders/", _order(), format="json")
    # when
    listed = api.get(f"/api/v1/markets/{market.pk}/orders/").json()["results"]
    # then
    assert [o["market"] for o in listed] == [market.pk]


def test_a_quote_refuses_a_quantity_that_is_not_whole_lots(api):
    # given
    from tests.marketplace.factories import make_market

    market = make_market()
    # when
    odd = api.get(f"/api/v1/markets/{market.pk}/quote/?side=buy&quantity={market.lot_size + 1}")
    fine = api.get(f"/api/v1/markets/{market.pk}/quote/?side=buy&quantity={market.lot_size}")
    # then
    assert odd.status_code == 400 and "quantity" in odd.json()["extra"]["fields"]
    assert fine.status_code == 200 and fine.json()["unfilled_quantity"] == market.lot_size
