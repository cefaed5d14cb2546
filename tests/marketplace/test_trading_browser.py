from __future__ import annotations

import pytest

from apps.marketplace.models import Order
from tests.marketplace.factories import make_market, make_trader, place
from tests.tenants.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_trader_places_an_order_sees_it_fill_and_cancels_the_rest(page, tmp_path):
    # given
    market = make_market(symbol="WALK/CEU")
    trader = make_trader("walker-tenant")
    MembershipFactory(tenant=trader, role="analyst", user=UserFactory(username="trader@example.com"))
    place(make_trader("maker"), market, "sell", 250, 3)
    page.goto("/login/")
    page.get_by_label("Username or e-mail").fill("trader@example.com")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    # when: buy 0.5 PFT at 2.50 CEU; 0.3 fills against the ask, 0.2 rests
    page.goto(f"/markets/?market={market.pk}")
    page.get_by_label("Price (CEU per PFT)").fill("2.50")
    page.get_by_label("Quantity (PFT)").fill("0.5")
    page.get_by_test_id("place-order").click()
    page.get_by_text("filled 0.3 PFT").wait_for()
    page.locator("#fills").get_by_text("taker").wait_for()
    page.locator("#book-bids").get_by_text("0.2").wait_for()
    page.screenshot(path=str(tmp_path / "trading.png"), full_page=True)
    page.locator("#orders").get_by_role("button", name="Cancel").click()
    page.locator("#orders").get_by_text("No open orders").wait_for()
    # then
    order = Order.objects.get(tenant=trader)
    assert (order.status, order.filled_lots) == ("cancelled", 3)
