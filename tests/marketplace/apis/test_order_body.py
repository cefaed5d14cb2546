"""The placing answers' fast order body is MarketOrderOutput's, field by field and in its order."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.marketplace.models import Order
from apps.marketplace.serializers import MarketOrderOutput, order_body
from tests.marketplace.factories import make_market, make_trader, place

pytestmark = pytest.mark.django_db


def test_the_order_body_equals_the_serializers_for_orders_in_every_state():
    # given: open, partly and fully filled, STP-cancelled, GTD, market buy with a cap, post-only
    market, alice, bob = make_market(), make_trader("ob-alice"), make_trader("ob-bob")
    place(alice, market, "sell", 101, 5)
    place(alice, market, "buy", 99, 2, time_in_force="gtd", expires_at=timezone.now() + timedelta(hours=1))
    place(bob, market, "buy", 101, 2)
    place(bob, market, "buy", None, 1, max_quote=500, time_in_force="ioc")
    place(alice, market, "buy", 101, 1)
    place(alice, market, "buy", 98, 1, post_only=True)
    orders = list(Order.objects.select_related("market").order_by("pk"))
    # when
    fast = [order_body(o) for o in orders]
    slow = [dict(MarketOrderOutput(o).data) for o in orders]
    # then
    assert len(orders) == 6 and {o.status for o in orders} >= {"open", "filled", "cancelled"}
    assert any(o.expires_at for o in orders) and any(o.max_quote for o in orders)
    assert fast == slow and [list(b) for b in fast] == [list(b) for b in slow]
