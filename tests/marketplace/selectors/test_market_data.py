from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from apps.marketplace import selectors
from apps.marketplace.services import runner
from apps.marketplace.tasks import markets_expire
from tests.marketplace.factories import make_market, make_trader, place

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, 5, tzinfo=UTC)


@pytest.fixture
def traded(monkeypatch):
    """Trades at 10:00:05 (100, then 104), 10:01:30 (98) and 11:20:00 (110), plus one two days earlier (50)."""
    market = make_market()
    seller, buyer = make_trader("seller"), make_trader("buyer")
    for moment, ticks, lots in [(T0 - timedelta(days=2), 50, 1), (T0, 100, 1), (T0, 104, 2),
                                (T0 + timedelta(seconds=85), 98, 1), (T0 + timedelta(minutes=80), 110, 3)]:
        monkeypatch.setattr(runner.timezone, "now", lambda moment=moment: moment)
        place(seller, market, "sell", ticks, lots)
        place(buyer, market, "buy", ticks, lots)
    monkeypatch.undo()
    market.refresh_from_db()
    return market


def test_minute_candles_aggregate_open_high_low_close_and_volume(traded):
    # when
    rows = selectors.candles(market=traded, interval="1m", limit=200, now=T0 + timedelta(hours=2))
    # then: prices in CEU minor units per PFT (tick 10), volume in PFT minor units (lot 100,000)
    assert [(r["time"].strftime("%H:%M"), r["open"], r["high"], r["low"], r["close"], r["volume"], r["trades"])
            for r in rows] == [("10:00", 1000, 1040, 1000, 1040, 300_000, 2), ("10:01", 980, 980, 980, 980, 100_000, 1),
                               ("11:20", 1100, 1100, 1100, 1100, 300_000, 1)]


def test_hour_and_day_candles_bucket_the_same_trades(traded):
    # when
    hours = selectors.candles(market=traded, interval="1h", limit=48, now=T0 + timedelta(hours=2))
    days = selectors.candles(market=traded, interval="1d", limit=7, now=T0 + timedelta(hours=2))
    # then
    assert [(r["open"], r["close"], r["trades"]) for r in hours] == [(1000, 980, 3), (1100, 1100, 1)]  # 48 h back
    assert [(r["time"].day, r["open"], r["high"], r["low"], r["close"]) for r in days] == [
        (28, 500, 500, 500, 500), (2, 1000, 1100, 980, 1100)]


def test_24h_stats_leave_out_older_trades(traded):
    # when
    stats = selectors.stats_24h(market=traded, now=T0 + timedelta(hours=2))
    # then
    assert (stats["open"], stats["high"], stats["low"], stats["last"], stats["change"]) == (1000, 1100, 980, 1100, 100)
    assert (stats["volume"], stats["quote_volume"], stats["trades"]) == (700_000, 100 + 208 + 98 + 330, 4)


def test_depth_aggregates_levels_best_first():
    # given
    market = make_market()
    a, b = make_trader("a"), make_trader("b")
    for trader, side, ticks, lots in [(a, "buy", 99, 1), (b, "buy", 99, 2), (a, "buy", 97, 1), (b, "sell", 101, 4)]:
        place(trader, market, side, ticks, lots)
    # when
    book = selectors.depth(market=market, levels=5)
    # then
    assert [(lv["price_ticks"], lv["qty_lots"], lv["orders"]) for lv in book["bids"]] == [(99, 3, 2), (97, 1, 1)]
    assert [(lv["price_ticks"], lv["qty_lots"]) for lv in book["asks"]] == [(101, 4)]


def test_the_expiry_task_sweeps_due_gtd_orders():
    # given
    market = make_market()
    trader = make_trader("t")
    order = place(trader, market, "sell", 100, 1, time_in_force="gtd",
                  expires_at=timezone.now() + timedelta(seconds=30))
    # when
    early = markets_expire.apply().get()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timezone, "now", lambda: order.expires_at + timedelta(seconds=1))
        late = markets_expire.apply().get()
        again = markets_expire.apply().get()
    # then
    order.refresh_from_db()
    assert (early, late, again, order.status) == (0, 1, 0, "expired")


def test_order_and_fill_selectors_never_show_another_tenants_rows():
    # given
    market = make_market()
    mine, theirs = make_trader("mine"), make_trader("theirs")
    order = place(theirs, market, "sell", 100, 2)
    place(mine, market, "buy", 100, 1)
    # when
    visible_orders = list(selectors.order_list(tenant=mine))
    visible_fills = list(selectors.fill_list(tenant=mine))
    # then
    assert {o.tenant_id for o in visible_orders} == {mine.pk}
    assert {f.tenant_id for f in visible_fills} == {mine.pk} and len(visible_fills) == 1
    with pytest.raises(Exception) as refused:
        selectors.order_get(tenant=mine, order_id=order.pk)
    assert getattr(refused.value, "status", None) == 404


def test_a_quote_walks_the_book_with_the_taker_fee():
    # given: asks of 3 lots at 100 ticks and 5 lots at 110 ticks (one lot at one tick costs 1 CEU minor unit)
    market = make_market(taker_fee_bps=100)
    seller = make_trader("quote-seller")
    place(seller, market, "sell", 100, 3)
    place(seller, market, "sell", 110, 5)
    # when
    partial = selectors.quote(market=market, side="buy", quantity=4 * market.lot_size)
    too_big = selectors.quote(market=market, side="buy", quantity=10 * market.lot_size)
    no_bids = selectors.quote(market=market, side="sell", quantity=market.lot_size)
    # then
    assert (partial["notional"], partial["fee"], partial["total"]) == (410, 4, 414)
    assert partial["worst_price"] == 110 * market.tick_size and partial["unfilled_quantity"] == 0
    assert too_big["filled_quantity"] == 8 * market.lot_size and too_big["unfilled_quantity"] == 2 * market.lot_size
    assert no_bids["filled_quantity"] == 0 and no_bids["average_price"] is None
