from __future__ import annotations

import pytest

from kernels.matching import (
    Accepted,
    Cancel,
    Cancelled,
    Engine,
    Expire,
    NewOrder,
    OrderType,
    Reason,
    Rejected,
    Side,
    StpMode,
    TimeInForce,
    Trade,
)
from tests.kernels.matching.orders import book_with, buy, sell


def trades(events: list) -> list[tuple[int, int, int]]:
    return [(e.maker_order, e.price, e.qty) for e in events if isinstance(e, Trade)]


def test_it_accepts_and_rests_a_limit_order_under_a_server_sequence_number() -> None:
    # given
    engine = Engine()
    # when
    events = engine.apply(buy(1, "a", 100, 5))
    # then
    assert events == [Accepted(1, 1, "a", Side.BUY, 100, 5)]
    assert engine.best_bid() == 100 and engine.order(1, "a").order_id == 1


def test_it_trades_at_the_maker_price_not_the_taker_limit() -> None:
    # given
    engine = book_with(sell(1, "s", 101, 5))
    # when
    events = engine.apply(buy(2, "b", 105, 2))
    # then
    assert events[1] == Trade(1, 2, 101, 2, 1, 2, Side.BUY, 3)


def test_it_fills_the_best_price_first_then_the_oldest_order() -> None:
    # given: ids 1..3; 102 is worse, the two at 101 queue in arrival order
    engine = book_with(sell(1, "x", 102, 1), sell(2, "y", 101, 1), sell(3, "z", 101, 1))
    # when
    events = engine.apply(buy(4, "b", 102, 3))
    # then
    assert trades(events) == [(2, 101, 1), (3, 101, 1), (1, 102, 1)]


def test_it_walks_levels_up_to_its_limit_and_rests_the_remainder() -> None:
    # given
    engine = book_with(sell(1, "x", 100, 2), sell(1, "y", 101, 2), sell(1, "z", 103, 2))
    # when
    events = engine.apply(buy(2, "b", 101, 6))
    # then
    assert trades(events) == [(1, 100, 2), (2, 101, 2)]
    assert engine.depth(5) == ([(101, 2)], [(103, 2)])


def test_it_skips_cancelled_orders_left_lazily_in_a_queue() -> None:
    # given
    engine = book_with(sell(1, "x", 100, 1), sell(2, "y", 100, 1), sell(3, "z", 100, 1))
    engine.apply(Cancel(2, "y"))
    # when
    events = engine.apply(buy(4, "b", 100, 2))
    # then
    assert trades(events) == [(1, 100, 1), (3, 100, 1)]
    assert engine.depth(1) == ([], [])


def test_it_cancels_the_remainder_of_an_ioc_order() -> None:
    # given
    engine = book_with(sell(1, "s", 100, 2))
    # when
    events = engine.apply(buy(2, "b", 100, 5, tif=TimeInForce.IOC))
    # then
    assert events[-1] == Cancelled(2, 2, 3, 0, Reason.IOC_REMAINDER)
    assert engine.best_bid() is None


def test_it_kills_a_fok_order_that_cannot_fill_completely_and_leaves_the_book_alone() -> None:
    # given
    engine = book_with(sell(1, "s", 100, 2), sell(1, "t", 102, 5))
    before = engine.snapshot()
    # when
    events = engine.apply(buy(2, "b", 101, 3, tif=TimeInForce.FOK))
    # then
    assert events[1:] == [Cancelled(3, 2, 3, 0, Reason.FOK)]
    assert engine.snapshot() == before


def test_it_kills_a_fok_order_whose_path_hits_its_own_order_under_cancel_newest() -> None:
    # given: enough liquidity in total, but own order 2 sits in the way
    engine = book_with(sell(1, "s", 100, 1), sell(2, "mine", 100, 1), sell(1, "t", 100, 5))
    # when
    events = engine.apply(buy(2, "b", 100, 3, tif=TimeInForce.FOK))
    # then
    assert [type(e) for e in events] == [Accepted, Cancelled] and events[1].reason is Reason.FOK


def test_it_fills_a_fok_order_that_can_fill_completely() -> None:
    # given
    engine = book_with(sell(1, "s", 100, 2), sell(1, "t", 101, 5))
    # when
    events = engine.apply(buy(2, "b", 101, 4, tif=TimeInForce.FOK))
    # then
    assert trades(events) == [(1, 100, 2), (2, 101, 2)]


def test_it_cancels_a_post_only_order_that_would_take_instead_of_repricing_it() -> None:
    # given
    engine = book_with(sell(1, "s", 100, 2))
    # when
    events = engine.apply(buy(2, "b", 100, 1, post_only=True))
    # then
    assert events[1:] == [Cancelled(2, 2, 1, 0, Reason.POST_ONLY)]
    assert engine.depth(5) == ([], [(100, 2)])


def test_it_rests_a_post_only_order_that_does_not_cross() -> None:
    # given
    engine = book_with(sell(1, "s", 100, 2))
    # when
    events = engine.apply(buy(2, "b", 99, 1, post_only=True))
    # then
    assert events == [Accepted(2, 2, "b", Side.BUY, 99, 1)] and engine.best_bid() == 99


def test_it_cancels_what_a_market_order_cannot_find_liquidity_for() -> None:
    # given
    engine = book_with(buy(1, "b", 99, 2))
    # when
    events = engine.apply(NewOrder.market(owner=2, client_id="m", side=Side.SELL, qty=5))
    # then
    assert trades(events) == [(1, 99, 2)]
    assert events[-1] == Cancelled(2, 2, 3, 0, Reason.MARKET_NO_LIQUIDITY)


def test_it_stops_a_market_buy_at_its_spend_limit() -> None:
    # given: 2 lots at 100, then 101; 350 quote units buy 2 x 100 + 1 x 101 = 301
    engine = book_with(sell(1, "s", 100, 2), sell(1, "t", 101, 5))
    # when
    events = engine.apply(NewOrder.market(owner=2, client_id="m", side=Side.BUY, qty=5, max_spend=350))
    # then
    assert trades(events) == [(1, 100, 2), (2, 101, 1)]
    assert events[-1] == Cancelled(3, 2, 2, 0, Reason.SPEND_LIMIT)
    assert sum(e.price * e.qty for e in events if isinstance(e, Trade)) <= 350


@pytest.mark.parametrize("order", [
    NewOrder(1, "x", Side.BUY, 0, 100),
    NewOrder(1, "x", Side.BUY, 1, 0),
    NewOrder(1, "x", "buy", 1, 100),
    NewOrder(1, "x", Side.BUY, 1, 100, max_spend=500),
    NewOrder(1, "x", Side.BUY, 1, 100, tif=TimeInForce.GTD),
    NewOrder(1, "x", Side.BUY, 1, 100, expires_at=5),
    NewOrder(1, "x", Side.BUY, 1, 100, tif=TimeInForce.IOC, post_only=True),
    NewOrder(1, "x", Side.BUY, 1, None, OrderType.MARKET, TimeInForce.IOC),
    NewOrder(1, "x", Side.BUY, 1, 100, OrderType.MARKET, TimeInForce.IOC, max_spend=500),
    NewOrder(1, "x", Side.BUY, 1, None, OrderType.MARKET, TimeInForce.GTC, max_spend=500),
    NewOrder(1, "x", Side.SELL, 1, None, OrderType.MARKET, TimeInForce.IOC, max_spend=500),
    NewOrder(1, "x", Side.BUY, 1, 100, stp="decrement"),
])
def test_it_rejects_an_order_with_inconsistent_fields(order: NewOrder) -> None:
    # given
    engine = Engine()
    # when
    events = engine.apply(order)
    # then
    assert events == [Rejected(order, Reason.INVALID)] and engine.next_sequence == 1


def test_it_rejects_a_client_id_already_used_by_a_resting_order_of_the_same_owner() -> None:
    # given
    engine = book_with(buy(1, "a", 100, 1))
    # when
    mine, theirs = engine.apply(buy(1, "a", 99, 1)), engine.apply(buy(2, "a", 99, 1))
    # then
    assert mine == [Rejected(buy(1, "a", 99, 1), Reason.DUPLICATE)]
    assert isinstance(theirs[0], Accepted)


def test_it_accepts_a_client_id_again_once_its_order_left_the_book() -> None:
    # given
    engine = book_with(buy(1, "a", 100, 1), sell(2, "s", 100, 1))
    # when
    events = engine.apply(buy(1, "a", 100, 1))
    # then
    assert isinstance(events[0], Accepted)


def test_it_rejects_a_gtd_order_whose_expiry_is_not_after_engine_time() -> None:
    # given
    engine = Engine()
    engine.apply(Expire(10))
    order = buy(1, "a", 100, 1, tif=TimeInForce.GTD, expires_at=10)
    # when
    events = engine.apply(order)
    # then
    assert events == [Rejected(order, Reason.EXPIRED)]


def test_it_draws_order_ids_and_trade_sequences_from_one_counter() -> None:
    # given
    engine = book_with(sell(1, "s", 100, 1), sell(1, "t", 100, 1))
    # when
    events = engine.apply(buy(2, "b", 100, 2, stp=StpMode.DECREMENT))
    # then
    assert [e.sequence for e in events if isinstance(e, Trade)] == [4, 5]
    assert engine.next_sequence == 6


def test_it_refuses_something_that_is_not_a_command() -> None:
    # given
    engine = Engine()
    # when / then
    with pytest.raises(TypeError):
        engine.apply(("buy", 100, 1))
