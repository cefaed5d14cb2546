from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from apps.core.errors import ApplicationError
from apps.ledger.models import Account, Hold, HoldStatus
from apps.ledger.services import ledger_verify
from apps.marketplace import services
from apps.marketplace.models import Order
from tests.ledger.factories import funded_account
from tests.marketplace.factories import ACTOR, make_market, make_trader

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


def _trade_randomly(tenant: Any, markets: list, seed: int, steps: int) -> int:
    rng, placed = random.Random(seed), 0
    try:
        for n in range(steps):
            market = rng.choice(markets)
            mine = list(Order.objects.filter(tenant=tenant, market=market, status="open").values_list("pk", flat=True))
            try:
                if mine and rng.random() < 0.3:
                    services.order_cancel(actor=ACTOR, tenant=tenant, order_id=rng.choice(mine))
                else:
                    services.order_place(
                        actor=ACTOR, tenant=tenant, market_id=market.pk, client_id=f"{seed}-{n}",
                        side=rng.choice(["buy", "sell"]), order_type="limit",
                        price=rng.randint(98, 102) * market.tick_size, quantity=rng.randint(1, 5) * market.lot_size,
                        time_in_force=rng.choice(["gtc", "gtc", "ioc"]), stp_mode="cancel_oldest")
                    placed += 1
            except ApplicationError as exc:
                assert exc.code in {"order_not_open", "insufficient_funds"}, exc.code
        return placed
    finally:
        connection.close()


def test_many_traders_placing_and_cancelling_at_once_leave_a_clean_ledger():
    # given
    markets = [make_market(), make_market(base="MUNT", tick_size=1, lot_size=1_000_000)]
    traders = [make_trader(f"c{i}") for i in range(8)]
    for trader in traders:
        funded_account(trader, 100_000_000, "MUNT")
    # when
    with ThreadPoolExecutor(max_workers=8) as pool:
        placed = sum(pool.map(lambda k: _trade_randomly(traders[k], markets, k, 25), range(8)))
    for trader in traders:
        for market in markets:
            services.orders_cancel_all(actor=ACTOR, tenant=trader, market_id=market.pk)
    # then
    assert placed > 100
    assert ledger_verify().ok
    assert not Hold.objects.filter(status=HoldStatus.PENDING).exists()
    assert not Account.objects.exclude(pending_debits=0, pending_credits=0).exists()
    assert all(services.market_replay(market_id=m.pk).ok for m in markets)
    assert not Order.objects.filter(status="open").exists()


def test_one_client_id_sent_twenty_times_at_once_places_one_order():
    # given
    market = make_market()
    trader = make_trader("dup")

    def send(_: int) -> Any:
        try:
            return services.order_place(actor=ACTOR, tenant=trader, market_id=market.pk, client_id="once",
                                        side="buy", order_type="limit", price=1000, quantity=100_000)
        finally:
            connection.close()

    # when
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(send, range(20)))
    # then
    assert len({r.order.pk for r in results}) == 1 and sum(not r.replayed for r in results) == 1
    assert Order.objects.filter(tenant=trader).count() == 1 and ledger_verify().ok
