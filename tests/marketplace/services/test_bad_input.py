from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.ledger.models import Account, Entry, Hold
from apps.marketplace import services
from apps.marketplace.models import Market, MarketCommand, Order
from tests.marketplace.factories import ACTOR, make_market, make_trader, place

pytestmark = pytest.mark.django_db


def _written() -> tuple[Any, ...]:
    return (Order.objects.count(), MarketCommand.objects.count(), Hold.objects.count(), Entry.objects.count(),
            sorted(Account.objects.values_list("id", "balance", "pending_debits")),
            sorted(Market.objects.values_list("id", "command_seq")))


@pytest.fixture
def market():
    return make_market(min_lots=2, max_lots=100)


@pytest.fixture
def trader():
    return make_trader("trader", ceu=100_000)


def _order(market: Market, **overrides: Any) -> dict[str, Any]:
    return {"market_id": market.pk, "client_id": "c1", "side": "buy", "order_type": "limit", "price": 1000,
            "quantity": 5 * market.lot_size, **overrides}


@pytest.mark.parametrize("overrides, code, field", [
    ({"price": 1005}, "off_tick_price", "price"),
    ({"quantity": 150_000}, "off_lot_size", "quantity"),
    ({"quantity": 100_000}, "order_too_small", "quantity"),
    ({"quantity": 101 * 100_000}, "order_too_large", "quantity"),
    ({"price": None}, "invalid_order", "price"),
    ({"order_type": "market", "time_in_force": "gtc", "price": None}, "invalid_order", "time_in_force"),
    ({"time_in_force": "gtd", "expires_at": timezone.now() - timedelta(seconds=1)}, "order_expired", "expires_at"),
    ({"time_in_force": "gtd"}, "invalid_order", "expires_at"),
    ({"post_only": True, "time_in_force": "ioc"}, "invalid_order", "post_only"),
    ({"max_quote": 100}, "invalid_order", "max_quote"),
    ({"client_id": "no spaces"}, "invalid_order", "client_id"),
    # refused by full_clean (a Django ValidationError) before the draft's checks were made explicit
    ({"time_in_force": "day"}, "invalid_order", "time_in_force"),
    ({"post_only": "yes"}, "invalid_order", "post_only"),
    ({"order_type": "market", "price": None, "max_quote": 2**63}, "invalid_order", "max_quote"),
    ({"price": 2**63}, "invalid_order", "price"),
    ({"quantity": 500_000.0}, "invalid_order", "quantity"),
])
def test_bad_orders_are_refused_with_a_field_and_nothing_written(market, trader, overrides, code, field):
    # given
    before = _written()
    # when
    with pytest.raises(ApplicationError) as refused:
        services.order_place(actor=ACTOR, tenant=trader, **_order(market, **overrides))
    # then
    assert refused.value.code == code and field in refused.value.extra["fields"]
    assert _written() == before


def test_an_unknown_market_is_refused(trader):
    # when
    with pytest.raises(ApplicationError) as refused:
        services.order_place(actor=ACTOR, tenant=trader, **_order(make_market(), market_id=999_999_999))
    # then
    assert (refused.value.code, refused.value.status) == ("unknown_market", 404)


@pytest.mark.parametrize("state, code", [("halted", "market_halted"), ("closed", "market_closed")])
def test_a_halted_or_closed_market_refuses_orders(market, trader, state, code):
    # given
    services.market_set_state(actor=ACTOR, market_id=market.pk, state=state)
    before = _written()
    # when
    with pytest.raises(ApplicationError) as refused:
        services.order_place(actor=ACTOR, tenant=trader, **_order(market))
    # then
    assert (refused.value.code, refused.value.status) == (code, 409)
    assert _written() == before


def test_insufficient_funds_are_refused_and_nothing_is_reserved(market, trader):
    # given
    before = _written()
    # when: 100 lots at 1000 ticks needs 100,200 CEU minor units; the trader has 100,000
    with pytest.raises(ApplicationError) as refused:
        services.order_place(actor=ACTOR, tenant=trader, **_order(market, price=10_000, quantity=100 * 100_000))
    # then
    assert refused.value.code == "insufficient_funds" and refused.value.extra["needed"] == 100_200
    assert refused.value.message == "Insufficient CEU: 100.200 CEU needed, 100.000 CEU available."
    assert _written() == before


def test_a_tenant_without_the_asset_is_refused_without_opening_accounts(market):
    # given
    from tests.tenants.factories import TenantFactory

    newcomer = TenantFactory(slug="newcomer")
    before = _written()
    # when
    with pytest.raises(ApplicationError) as refused:
        services.order_place(actor=ACTOR, tenant=newcomer, **_order(market, side="sell"))
    # then
    assert refused.value.code == "insufficient_funds" and _written() == before


def test_a_reused_client_id_for_a_different_order_is_refused(market, trader):
    # given
    services.order_place(actor=ACTOR, tenant=trader, **_order(market))
    before = _written()
    # when
    with pytest.raises(ApplicationError) as refused:
        services.order_place(actor=ACTOR, tenant=trader, **_order(market, price=990))
    # then
    assert (refused.value.code, refused.value.status) == ("duplicate_client_id", 409)
    assert _written() == before


def test_a_market_buy_on_an_empty_book_is_refused(market, trader):
    # given
    before = _written()
    # when
    with pytest.raises(ApplicationError) as refused:
        services.order_place(actor=ACTOR, tenant=trader, **_order(market, order_type="market", price=None))
    # then
    assert refused.value.code == "no_liquidity" and _written() == before


def test_a_halted_market_still_accepts_cancels(market, trader):
    # given
    order = place(trader, market, "buy", 100, 2)
    services.market_set_state(actor=ACTOR, market_id=market.pk, state="halted")
    # when
    cancelled = services.order_cancel(actor=ACTOR, tenant=trader, order_id=order.pk)
    # then
    assert cancelled.status == "cancelled"


def test_closing_a_market_cancels_every_resting_order_and_is_audited(market, trader):
    # given
    from apps.ops.models import AuditLog

    other = make_trader("other")
    place(trader, market, "buy", 100, 2)
    place(other, market, "sell", 200, 2)
    # when
    services.market_set_state(actor=ACTOR, market_id=market.pk, state="closed", reason="delisting")
    # then
    assert not Order.objects.filter(market=market, status="open").exists()
    assert not Account.objects.filter(tenant__in=[trader, other], pending_debits__gt=0).exists()
    assert AuditLog.objects.filter(action="marketplace.market_closed", object_id=str(market.pk)).exists()


def test_a_market_needs_a_whole_quote_unit_per_lot_and_tick():
    # when
    with pytest.raises(ApplicationError) as refused:
        services.market_create(actor=ACTOR, base="PFT", quote="CEU", tick_size=1, lot_size=10, symbol="BAD/CEU")
    # then
    assert refused.value.code == "invalid_market_config"
