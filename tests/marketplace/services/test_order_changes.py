from __future__ import annotations

import pytest

from apps.core.errors import ApplicationError
from apps.ledger.models import Hold, HoldStatus
from apps.ledger.services import ledger_verify
from apps.marketplace import services
from apps.marketplace.models import Order, Trade
from tests.marketplace.factories import ACTOR, balances, make_market, make_trader, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def market():
    return make_market()


@pytest.fixture
def alice():
    return make_trader("alice")


@pytest.fixture
def bob():
    return make_trader("bob")


def _makers_hit(market) -> list[int]:
    return list(Trade.objects.filter(market=market).order_by("sequence").values_list("maker_order_id", flat=True))


def test_reducing_quantity_keeps_time_priority(market, alice, bob):
    # given: two asks at one price, the first amended down
    first, second = place(alice, market, "sell", 100, 5), place(bob, market, "sell", 100, 5)
    services.order_amend(actor=ACTOR, tenant=alice, order_id=first.pk, quantity=2 * market.lot_size)
    # when
    place(make_trader("carol"), market, "buy", 100, 3)
    # then
    assert _makers_hit(market) == [first.pk, second.pk]
    first.refresh_from_db()
    assert (first.status, first.qty_lots, first.reserved - first.reserve_used - first.reserve_released) == (
        "filled", 2, 0)


def test_changing_the_price_loses_time_priority(market, alice, bob):
    # given
    first, second = place(alice, market, "sell", 101, 5), place(bob, market, "sell", 100, 5)
    services.order_amend(actor=ACTOR, tenant=alice, order_id=first.pk, price=100 * market.tick_size)
    # when
    place(make_trader("carol"), market, "buy", 100, 6)
    # then
    assert _makers_hit(market) == [second.pk, first.pk]


def test_raising_a_buy_price_tops_up_the_hold_and_lowering_releases_it(market, alice):
    # given
    order = place(alice, market, "buy", 100, 10)
    # when
    raised = services.order_amend(actor=ACTOR, tenant=alice, order_id=order.pk, price=200 * market.tick_size)
    pending_raised = balances(alice)["CEU"][1]
    lowered = services.order_amend(actor=ACTOR, tenant=alice, order_id=order.pk, price=50 * market.tick_size)
    # then
    assert pending_raised == 2_000 + 4 and raised.reserved == 1_002 + 1_002
    assert balances(alice)["CEU"][1] == 500 + 1 == lowered.reserve_left
    assert Hold.objects.get(pk=order.hold_id).amount == 2_004
    assert ledger_verify().ok


def test_an_amend_beyond_the_funds_is_refused_and_changes_nothing(market):
    # given
    poor = make_trader("poor", ceu=1_100)
    order = place(poor, market, "buy", 100, 10)
    # when
    with pytest.raises(ApplicationError) as refused:
        services.order_amend(actor=ACTOR, tenant=poor, order_id=order.pk, quantity=20 * market.lot_size)
    # then
    order.refresh_from_db()
    assert refused.value.code == "insufficient_funds"
    assert (order.open_lots, order.reserved) == (10, 1_002)


def test_cancel_all_cancels_only_the_tenants_own_orders(market, alice, bob):
    # given
    mine = [place(alice, market, "buy", 90 + i, 1) for i in range(3)]
    theirs = place(bob, market, "buy", 95, 1)
    # when
    cancelled = services.orders_cancel_all(actor=ACTOR, tenant=alice, market_id=market.pk)
    # then
    assert sorted(o.pk for o in cancelled) == sorted(o.pk for o in mine)
    assert Order.objects.get(pk=theirs.pk).status == "open"
    assert balances(alice)["CEU"][1] == 0


def test_a_finished_order_cannot_be_cancelled(market, alice):
    # given
    order = place(alice, market, "buy", 100, 1)
    services.order_cancel(actor=ACTOR, tenant=alice, order_id=order.pk)
    # when
    with pytest.raises(ApplicationError) as refused:
        services.order_cancel(actor=ACTOR, tenant=alice, order_id=order.pk)
    # then
    assert refused.value.code == "order_not_open" and refused.value.status == 409


def test_another_tenants_order_is_not_found(market, alice, bob):
    # given
    order = place(alice, market, "buy", 100, 1)
    # when
    with pytest.raises(ApplicationError) as refused:
        services.order_cancel(actor=ACTOR, tenant=bob, order_id=order.pk)
    # then
    assert refused.value.status == 404 and Order.objects.get(pk=order.pk).status == "open"


@pytest.mark.parametrize("mode, maker_after, taker_after", [
    ("cancel_newest", ("open", 5), ("cancelled", 0)),
    ("cancel_oldest", ("cancelled", 0), ("open", 3)),
    ("cancel_both", ("cancelled", 0), ("cancelled", 0)),
    ("decrement", ("open", 2), ("cancelled", 0)),
])
def test_self_trade_prevention_modes(market, alice, mode, maker_after, taker_after):
    # given
    maker = place(alice, market, "sell", 100, 5)
    # when
    taker = place(alice, market, "buy", 100, 3, stp_mode=mode)
    # then
    maker.refresh_from_db()
    assert (maker.status, maker.open_lots) == maker_after
    assert (taker.status, taker.open_lots) == taker_after
    assert not Trade.objects.filter(market=market).exists()
    assert ledger_verify().ok


def test_decrement_with_equal_sizes_leaves_no_ghost_on_the_book(market, alice, bob):
    # given: both sides shrink to zero
    maker = place(alice, market, "sell", 100, 3)
    place(alice, market, "buy", 100, 5, stp_mode="decrement")
    # when: another trader buys at that price
    later = place(bob, market, "buy", 100, 1)
    # then
    maker.refresh_from_db()
    assert maker.status == "cancelled" and later.status == "open"
    assert Hold.objects.get(pk=maker.hold_id).status == HoldStatus.VOIDED
