from __future__ import annotations

import pytest
from django.test import Client

from apps.marketplace.models import Market, Order
from apps.ops.models import AuditLog
from tests.marketplace.factories import make_market, make_trader, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(django_user_model) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("op", "op@example.com", "long-enough-pw"))
    return client


def test_an_operator_halts_and_resumes_a_market_with_an_audit_trail(operator):
    # given
    market = make_market()
    # when
    halted = operator.post("/admin/marketplace/market/", {"action": "halt", "_selected_action": [market.pk]})
    state_after_halt = Market.objects.get(pk=market.pk).state
    operator.post("/admin/marketplace/market/", {"action": "resume", "_selected_action": [market.pk]})
    # then
    assert halted.status_code == 302 and state_after_halt == "halted"
    assert Market.objects.get(pk=market.pk).state == "open"
    actions = list(AuditLog.objects.filter(object_id=str(market.pk)).values_list("action", "actor_label"))
    assert ("marketplace.market_halted", "operator:op") in actions
    assert ("marketplace.market_open", "operator:op") in actions


def test_an_operator_cancels_orders_and_the_holds_are_released(operator):
    # given
    market = make_market()
    trader = make_trader("trader")
    order = place(trader, market, "buy", 100, 3)
    # when
    response = operator.post("/admin/marketplace/order/", {"action": "cancel_orders", "_selected_action": [order.pk]})
    # then
    order.refresh_from_db()
    assert response.status_code == 302 and order.status == "cancelled" and order.reserve_left == 0
    audit = AuditLog.objects.get(action="marketplace.order_cancel", object_id=str(order.pk))
    assert audit.tenant_id == trader.pk and audit.before["status"] == "open"


def test_editing_fees_in_the_back_office_never_rewinds_the_engine_head(operator):
    # given: the change form is loaded, then the market trades
    market = make_market()
    operator.get(f"/admin/marketplace/market/{market.pk}/change/")
    a, b = make_trader("a"), make_trader("b")
    place(a, market, "sell", 100, 2)
    place(b, market, "buy", 100, 1)
    head = Market.objects.values_list("command_seq", "next_sequence").get(pk=market.pk)
    # when
    response = operator.post(f"/admin/marketplace/market/{market.pk}/change/", {
        "min_lots": 1, "max_lots": 1_000_000, "max_price_ticks": 1_000_000_000, "maker_fee_bps": 5,
        "taker_fee_bps": 25})
    # then
    market.refresh_from_db()
    assert response.status_code == 302 and (market.maker_fee_bps, market.taker_fee_bps) == (5, 25)
    assert (market.command_seq, market.next_sequence) == head
    assert AuditLog.objects.filter(action="marketplace.market_config", object_id=str(market.pk)).exists()
    assert Order.objects.filter(market=market, status="open").count() == 1
