from __future__ import annotations

import pytest

from apps.ledger.models import Account, Entry, Hold, HoldStatus
from apps.ledger.services import ledger_verify, system_account
from apps.marketplace import services
from apps.marketplace.models import Fill, Order, Trade
from tests.marketplace.factories import ACTOR, balances, make_market, make_trader, place

pytestmark = pytest.mark.django_db

START_CEU, START_PFT = 10_000_000, 100_000_000


@pytest.fixture
def market():
    return make_market()


@pytest.fixture
def alice():
    return make_trader("alice")


@pytest.fixture
def bob():
    return make_trader("bob")


def test_a_resting_buy_reserves_its_worst_case_spend_through_a_system_hold(market, alice):
    # when: 10 lots at 250 ticks; one lot at one tick is 1 CEU minor unit, fee reserved at the larger 20 bps
    order = place(alice, market, "buy", 250, 10)
    # then
    hold = Hold.objects.get(pk=order.hold_id)
    assert order.status == "open" and order.reserved == 2_500 + 5
    assert (hold.tenant_id, hold.status, hold.amount, hold.asset_id) == (None, HoldStatus.PENDING, 2_505, "CEU")
    assert hold.credit_account_id == system_account(asset="CEU", code="market_escrow").pk
    assert balances(alice)["CEU"] == (START_CEU, 2_505)


def test_a_crossing_order_trades_at_the_makers_price_and_settles_in_one_entry(market, alice, bob):
    # given
    fees_before = system_account(asset="CEU", code="fees").balance
    maker = place(alice, market, "sell", 250, 10)
    # when
    taker = place(bob, market, "buy", 260, 4)
    # then: 4 lots at 250 = 1000 CEU minor; taker (buyer) pays 20 bps = 2, maker (seller) 10 bps = 1
    trade = Trade.objects.get(market=market)
    assert (trade.price_ticks, trade.qty_lots, trade.notional, trade.buyer_fee,
            trade.seller_fee) == (250, 4, 1000, 2, 1)
    entry = Entry.objects.get(pk=trade.entry_id)
    assert entry.kind == "trade" and entry.postings.count() == 9
    assert balances(bob) == {"CEU": (START_CEU - 1002, 0), "PFT": (START_PFT + 400_000, 0)}
    assert balances(alice) == {"CEU": (START_CEU + 999, 0), "PFT": (START_PFT - 400_000, 600_000)}
    assert system_account(asset="CEU", code="fees").balance == fees_before + 3
    assert taker.status == "filled" and Hold.objects.get(pk=taker.hold_id).status == HoldStatus.POSTED
    maker.refresh_from_db()
    assert (maker.status, maker.open_lots, maker.filled_lots) == ("open", 6, 4)
    assert {(f.tenant_id, f.role, f.fee) for f in Fill.objects.filter(trade=trade)} == {
        (alice.pk, "maker", 1), (bob.pk, "taker", 2)}
    assert ledger_verify().ok


def test_a_buy_filled_at_a_better_price_gets_the_unused_reservation_back(market, alice, bob):
    # given
    place(alice, market, "sell", 200, 5)
    # when: bob reserved for 300 ticks but pays 200
    order = place(bob, market, "buy", 300, 5)
    # then
    hold = Hold.objects.get(pk=order.hold_id)
    assert (hold.status, hold.posted_amount) == (HoldStatus.POSTED, 1002)
    assert balances(bob)["CEU"] == (START_CEU - 1002, 0)


def test_cancelling_a_partly_filled_order_releases_the_rest_of_its_hold(market, alice, bob):
    # given
    resting = place(alice, market, "sell", 250, 10)
    place(bob, market, "buy", 250, 3)
    # when
    cancelled = services.order_cancel(actor=ACTOR, tenant=alice, order_id=resting.pk)
    # then
    hold = Hold.objects.get(pk=resting.hold_id)
    assert (cancelled.status, cancelled.cancel_reason, cancelled.filled_lots) == ("cancelled", "user", 3)
    assert (hold.status, hold.amount, hold.posted_amount) == (HoldStatus.POSTED, 1_000_000, 300_000)
    assert balances(alice)["PFT"] == (START_PFT - 300_000, 0)
    assert ledger_verify().ok


def test_a_market_buy_without_a_cap_reserves_what_the_book_would_cost(market, alice, bob):
    # given
    place(alice, market, "sell", 100, 2)
    place(alice, market, "sell", 110, 2)
    # when
    order = place(bob, market, "buy", None, 3)
    # then: 2 x 100 + 1 x 110 = 310, plus the 20 bps taker fee rounded down
    assert (order.status, order.filled_lots, order.max_quote, order.filled_notional) == ("filled", 3, 310, 310)
    assert balances(bob)["CEU"] == (START_CEU - 310, 0)


def test_a_market_buy_stops_at_its_spending_cap(market, alice, bob):
    # given
    place(alice, market, "sell", 100, 10)
    # when: 450 covers 4 lots (400 + fee 0) but not a fifth
    order = place(bob, market, "buy", None, 10, max_quote=450)
    # then
    assert (order.status, order.filled_lots, order.cancel_reason) == ("cancelled", 4, "spend_limit")
    assert balances(bob)["CEU"] == (START_CEU - 400, 0)


def test_a_market_sell_takes_the_best_bids(market, alice, bob):
    # given
    place(alice, market, "buy", 100, 2)
    place(alice, market, "buy", 90, 2)
    # when
    order = place(bob, market, "sell", None, 3)
    # then
    assert order.status == "filled" and order.filled_notional == 290
    assert list(Trade.objects.filter(market=market).order_by("sequence").values_list("price_ticks", "qty_lots")) == [
        (100, 2), (90, 1)]


def test_an_ioc_remainder_is_cancelled_and_released(market, alice, bob):
    # given
    place(alice, market, "sell", 100, 2)
    # when
    order = place(bob, market, "buy", 100, 5, time_in_force="ioc")
    # then
    assert (order.status, order.filled_lots, order.cancel_reason) == ("cancelled", 2, "ioc_remainder")
    assert balances(bob)["CEU"][1] == 0


def test_fok_fills_completely_or_not_at_all(market, alice, bob):
    # given
    place(alice, market, "sell", 100, 2)
    # when
    killed = place(bob, market, "buy", 100, 3, time_in_force="fok")
    filled = place(bob, market, "buy", 100, 2, time_in_force="fok")
    # then
    assert (killed.status, killed.filled_lots, killed.cancel_reason) == ("cancelled", 0, "fok")
    assert Hold.objects.get(pk=killed.hold_id).status == HoldStatus.VOIDED
    assert (filled.status, filled.filled_lots) == ("filled", 2)


def test_a_post_only_order_that_would_take_is_cancelled_instead(market, alice, bob):
    # given
    place(alice, market, "sell", 100, 2)
    # when
    crossing = place(bob, market, "buy", 100, 1, post_only=True)
    resting = place(bob, market, "buy", 99, 1, post_only=True)
    # then
    assert (crossing.status, crossing.cancel_reason) == ("cancelled", "post_only")
    assert resting.status == "open" and not Trade.objects.filter(market=market).exists()


def test_a_repeated_client_id_returns_the_original_order(market, alice):
    # given
    first = services.order_place(actor=ACTOR, tenant=alice, market_id=market.pk, client_id="same", side="buy",
                                 order_type="limit", price=1000, quantity=100_000)
    # when
    again = services.order_place(actor=ACTOR, tenant=alice, market_id=market.pk, client_id="same", side="buy",
                                 order_type="limit", price=1000, quantity=100_000)
    # then
    assert again.replayed and again.order.pk == first.order.pk
    assert Order.objects.filter(tenant=alice).count() == 1


def test_gtd_orders_expire_and_release_their_hold(market, alice):
    # given
    import time
    from datetime import timedelta

    from django.utils import timezone

    order = place(alice, market, "buy", 100, 1, time_in_force="gtd",
                  expires_at=timezone.now() + timedelta(milliseconds=150))
    time.sleep(0.2)
    # when
    expired = services.markets_expire_due()
    # then
    order.refresh_from_db()
    assert expired == 1 and order.status == "expired"
    assert Hold.objects.get(pk=order.hold_id).status == HoldStatus.EXPIRED
    assert balances(alice)["CEU"] == (START_CEU, 0)


def test_fees_and_tokens_are_conserved_across_a_busy_book(market, alice, bob):
    # given
    carol = make_trader("carol")
    accounts = Account.objects.filter(tenant__in=[alice, bob, carol], code="main")
    before = {a: sum(x.balance for x in accounts if x.asset_id == a) for a in ("CEU", "PFT")}
    fees_before = system_account(asset="CEU", code="fees").balance
    # when
    for i, trader in enumerate([alice, bob, carol] * 4):
        place(trader, market, "buy" if i % 2 else "sell", 100 + i % 3, 1 + i % 4)
    # then
    after = {a: sum(x.balance for x in accounts.all() if x.asset_id == a) for a in ("CEU", "PFT")}
    fees = system_account(asset="CEU", code="fees").balance - fees_before
    assert after["PFT"] == before["PFT"] and after["CEU"] + fees == before["CEU"]
    assert services.market_replay(market_id=market.pk).ok and ledger_verify().ok


def test_a_replay_still_answers_while_the_market_is_halted(market, alice):
    # given
    first = services.order_place(actor=ACTOR, tenant=alice, market_id=market.pk, client_id="halt-1", side="buy",
                                 order_type="limit", price=1000, quantity=100_000)
    services.market_set_state(actor=ACTOR, market_id=market.pk, state="halted")
    # when
    again = services.order_place(actor=ACTOR, tenant=alice, market_id=market.pk, client_id="halt-1", side="buy",
                                 order_type="limit", price=1000, quantity=100_000)
    # then
    assert again.replayed and again.order.pk == first.order.pk
