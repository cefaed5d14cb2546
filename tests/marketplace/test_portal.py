from __future__ import annotations

import json

import pytest
from django.test import Client

from apps.marketplace.models import Market
from tests.marketplace.factories import make_market, make_trader, place

pytestmark = pytest.mark.django_db


def _login(tenant, make_member, role: str = "analyst") -> Client:
    client = Client()
    client.force_login(make_member(tenant, role=role))
    return client


def test_the_trading_page_shows_the_book_chart_and_order_entry(tenant, make_member):
    # given
    market = make_market()
    seller = make_trader("seller")
    place(seller, market, "sell", 260, 5)
    place(make_trader("buyer"), market, "buy", 260, 2)
    client = _login(tenant, make_member)
    # when
    response = client.get(f"/markets/?market={market.pk}")
    # then
    html = response.content.decode()
    assert response.status_code == 200 and 'data-chart="candles"' in html and 'id="order-form"' in html
    assert "js/trading.js" in html and response.cookies.get("csrftoken")
    assert '<strong id="stat-last" data-testid="last-price">2.6</strong>' in html
    chart = json.loads(html.split('<script id="chart-candles" type="application/json">')[1].split("</script>")[0])
    assert [c[1:] for c in chart["candles"]] == [[2.6, 2.6, 2.6, 2.6]]
    boot = json.loads(html.split('<script id="market-boot" type="application/json">')[1].split("</script>")[0])
    assert (boot["id"], boot["tick_size"], boot["base_scale"]) == (market.pk, 10, 6)


def test_a_viewer_sees_the_market_without_the_order_form(tenant, make_member):
    # given
    make_market()
    client = _login(tenant, make_member, role="viewer")
    # when
    html = client.get("/markets/").content.decode()
    # then
    assert "Markets" in html and 'id="order-form"' not in html and "not trade" in html


def test_an_unknown_market_is_a_404(tenant, make_member):
    # when
    response = _login(tenant, make_member).get("/markets/?market=999999999")
    # then
    assert response.status_code == 404


def test_the_nav_links_to_markets(tenant, make_member):
    # when
    html = _login(tenant, make_member).get("/").content.decode()
    # then
    assert 'href="/markets/"' in html


def test_the_launch_pairs_are_listed_idempotently():
    # given
    from apps.marketplace.bootstrap import ensure_launch_pairs

    # when
    ensure_launch_pairs()
    ensure_launch_pairs()
    # then
    assert set(Market.objects.filter(symbol__in=["PFT/CEU", "MUNT/CEU"]).values_list("symbol", flat=True)) == {
        "PFT/CEU", "MUNT/CEU"}
