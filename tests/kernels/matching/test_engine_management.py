from __future__ import annotations

import pytest

from kernels.matching import (
    Amend,
    Amended,
    Cancel,
    CancelAll,
    Cancelled,
    Engine,
    Expire,
    Expired,
    NewOrder,
    Reason,
    Rejected,
    RestingOrder,
    Side,
    StpMode,
    TimeInForce,
    Trade,
)
from tests.kernels.matching.orders import book_with, buy, sell


def queue_at(engine: Engine, side: Side, price: int) -> list[int]:
    return [r.order_id for r in engine.snapshot() if r.side is side and r.price == price]


def test_it_cancels_a_resting_order_by_its_client_id() -> None:
    # given
    engine = book_with(buy(1, "a", 100, 4))
    # when
    events = engine.apply(Cancel(1, "a"))
    # then
    assert events == [Cancelled(1, 1, 4, 0, Reason.USER)] and engine.depth(5) == ([], [])


def test_it_refuses_to_cancel_an_unknown_or_another_owners_order() -> None:
    # given
    engine = book_with(buy(1, "a", 100, 4))
    # when
    foreign, unknown = engine.apply(Cancel(2, "a")), engine.apply(Cancel(1, "zz"))
    # then
    assert foreign == [Rejected(Cancel(2, "a"), Reason.UNKNOWN_ORDER)]
    assert unknown == [Rejected(Cancel(1, "zz"), Reason.UNKNOWN_ORDER)]
    assert engine.best_bid() == 100


def test_it_cancels_every_order_of_one_owner_in_order_id_order() -> None:
    # given
    engine = book_with(sell(1, "x", 105, 1), buy(2, "y", 99, 1), buy(1, "z", 100, 2))
    # when
    events = engine.apply(CancelAll(1))
    # then
    assert events == [Cancelled(1, 1, 1, 0, Reason.USER), Cancelled(3, 1, 2, 0, Reason.USER)]
    assert engine.depth(5) == ([(99, 1)], [])


def test_it_keeps_queue_order_after_many_cancels_behind_a_resting_head_order() -> None:
    # given: enough cancelled orders behind order 1 to force the queue to be rebuilt
    engine = book_with(*[sell(1, i, 100, 1) for i in range(60)])
    for i in range(60):
        if i % 4:
            engine.apply(Cancel(1, i))
    # when
    events = engine.apply(buy(2, "b", 100, 100, tif=TimeInForce.IOC))
    # then
    assert [e.maker_order for e in events if isinstance(e, Trade)] == list(range(1, 61, 4))
    assert engine.depth(1) == ([], [])


def test_it_keeps_time_priority_when_an_amend_only_lowers_quantity() -> None:
    # given
    engine = book_with(buy(1, "a", 100, 5), buy(2, "b", 100, 5))
    # when
    events = engine.apply(Amend(1, "a", qty=2))
    # then
    assert events == [Amended(1, 1, 100, 2, True)]
    assert queue_at(engine, Side.BUY, 100) == [1, 2] and engine.depth(1) == ([(100, 7)], [])


def test_it_requeues_an_order_at_the_back_when_an_amend_raises_quantity() -> None:
    # given
    engine = book_with(buy(1, "a", 100, 5), buy(2, "b", 100, 5))
    # when
    events = engine.apply(Amend(1, "a", qty=6))
    # then
    assert events == [Amended(1, 1, 100, 6, False)]
    assert queue_at(engine, Side.BUY, 100) == [2, 1]


def test_it_requeues_on_a_price_change_and_trades_if_the_new_price_crosses() -> None:
    # given
    engine = book_with(buy(1, "a", 99, 5), sell(2, "s", 101, 2))
    # when
    events = engine.apply(Amend(1, "a", price=101))
    # then
    assert events == [Amended(1, 1, 101, 5, False), Trade(2, 1, 101, 2, 2, 1, Side.BUY, 3)]
    assert engine.order(1, "a").qty == 3 and engine.order(1, "a").filled == 2


def test_it_cancels_a_post_only_order_amended_to_a_crossing_price() -> None:
    # given
    engine = book_with(buy(1, "a", 99, 5, post_only=True), sell(2, "s", 101, 2))
    # when
    events = engine.apply(Amend(1, "a", price=101))
    # then
    assert events[1:] == [Cancelled(1, 1, 5, 0, Reason.POST_ONLY)] and engine.order(1, "a") is None


@pytest.mark.parametrize("amend", [Amend(1, "a"), Amend(1, "a", qty=0), Amend(1, "a", price=-1)])
def test_it_rejects_an_amend_without_a_positive_change(amend: Amend) -> None:
    # given
    engine = book_with(buy(1, "a", 99, 5))
    # when
    events = engine.apply(amend)
    # then
    assert events == [Rejected(amend, Reason.INVALID)]


def test_it_expires_gtd_orders_by_expiry_then_order_id_when_time_reaches_them() -> None:
    # given
    engine = book_with(
        buy(1, "late", 99, 1, tif=TimeInForce.GTD, expires_at=8),
        buy(1, "early", 98, 2, tif=TimeInForce.GTD, expires_at=5),
        sell(2, "same", 105, 3, tif=TimeInForce.GTD, expires_at=5),
        buy(3, "gtc", 97, 1),
    )
    # when
    quiet, due = engine.apply(Expire(4)), engine.apply(Expire(8))
    # then
    assert quiet == []
    assert due == [Expired(2, 1, 2), Expired(3, 2, 3), Expired(1, 1, 1)]
    assert engine.depth(5) == ([(97, 1)], []) and engine.now == 8


def test_it_does_not_expire_a_gtd_order_that_already_filled() -> None:
    # given
    engine = book_with(buy(1, "a", 99, 1, tif=TimeInForce.GTD, expires_at=3), sell(2, "s", 99, 1))
    # when
    events = engine.apply(Expire(3))
    # then
    assert events == []


def test_it_rejects_an_expire_that_moves_time_backwards() -> None:
    # given
    engine = Engine()
    engine.apply(Expire(10))
    # when
    events = engine.apply(Expire(9))
    # then
    assert events == [Rejected(Expire(9), Reason.INVALID)] and engine.now == 10


def test_it_cancels_the_incoming_order_under_cancel_newest_stp() -> None:
    # given
    engine = book_with(sell(1, "s", 100, 2))
    # when
    events = engine.apply(buy(1, "b", 100, 5, stp=StpMode.CANCEL_NEWEST))
    # then
    assert events[1:] == [Cancelled(2, 1, 5, 0, Reason.STP)] and engine.depth(1) == ([], [(100, 2)])


def test_it_cancels_the_resting_order_and_keeps_matching_under_cancel_oldest_stp() -> None:
    # given
    engine = book_with(sell(1, "s", 100, 2), sell(2, "t", 100, 2))
    # when
    events = engine.apply(buy(1, "b", 100, 3, stp=StpMode.CANCEL_OLDEST))
    # then
    assert events[1:] == [Cancelled(1, 1, 2, 0, Reason.STP), Trade(2, 3, 100, 2, 2, 1, Side.BUY, 4)]
    assert engine.depth(1) == ([(100, 1)], [])


def test_it_cancels_both_orders_under_cancel_both_stp() -> None:
    # given
    engine = book_with(sell(1, "s", 100, 2), sell(2, "t", 100, 2))
    # when
    events = engine.apply(buy(1, "b", 100, 3, stp=StpMode.CANCEL_BOTH))
    # then
    assert events[1:] == [Cancelled(1, 1, 2, 0, Reason.STP), Cancelled(3, 1, 3, 0, Reason.STP)]
    assert engine.depth(1) == ([], [(100, 2)])


def test_it_shrinks_both_by_the_overlap_without_a_trade_under_decrement_stp() -> None:
    # given
    engine = book_with(sell(1, "big", 100, 5), sell(1, "small", 101, 1))
    # when
    events = engine.apply(buy(1, "b", 100, 2, stp=StpMode.DECREMENT))
    # then
    assert events[1:] == [Cancelled(1, 1, 2, 3, Reason.STP), Cancelled(3, 1, 2, 0, Reason.STP)]
    assert engine.depth(5) == ([], [(100, 3), (101, 1)])


def test_it_removes_a_smaller_maker_and_keeps_matching_under_decrement_stp() -> None:
    # given
    engine = book_with(sell(1, "s", 100, 1), sell(2, "t", 100, 4))
    # when
    events = engine.apply(buy(1, "b", 100, 3, stp=StpMode.DECREMENT))
    # then
    assert events[1:] == [Cancelled(1, 1, 1, 0, Reason.STP), Cancelled(3, 1, 1, 2, Reason.STP),
                          Trade(2, 3, 100, 2, 2, 1, Side.BUY, 4)]


def test_it_reports_l2_depth_best_first_and_best_prices() -> None:
    # given
    engine = book_with(buy(1, 1, 99, 1), buy(2, 2, 99, 2), buy(1, 3, 97, 5), sell(1, 4, 101, 3), sell(1, 5, 104, 1))
    # when
    bids, asks = engine.depth(1), engine.depth(10)
    # then
    assert bids == ([(99, 3)], [(101, 3)])
    assert asks == ([(99, 3), (97, 5)], [(101, 3), (104, 1)])
    assert (engine.best_bid(), engine.best_ask()) == (99, 101) and engine.depth(0) == ([], [])


def test_it_continues_exactly_like_the_original_after_a_restore() -> None:
    # given
    setup = [buy(1, "a", 99, 3, tif=TimeInForce.GTD, expires_at=9), buy(2, "b", 99, 1), sell(3, "c", 101, 2)]
    later = [buy(3, "d", 99, 2), Expire(9), NewOrder.market(owner=4, client_id="m", side=Side.BUY, qty=3,
                                                           max_spend=1000)]
    original = book_with(*setup)
    original.apply(Expire(2))
    # when
    restored = Engine.restore(original.snapshot(), original.next_sequence, now=original.now)
    # then
    assert [restored.apply(c) for c in later] == [original.apply(c) for c in later]


def test_it_refuses_to_restore_a_snapshot_that_contradicts_the_counter_or_clock() -> None:
    # given
    row = RestingOrder(5, 1, "a", Side.BUY, 99, 1, 0, TimeInForce.GTD, 3, False, StpMode.CANCEL_NEWEST)
    # when / then
    with pytest.raises(ValueError):
        Engine.restore([row], next_sequence=5)
    with pytest.raises(ValueError):
        Engine.restore([row], next_sequence=6, now=3)
    with pytest.raises(ValueError):
        Engine.restore([row, row], next_sequence=6)


def test_it_refuses_to_restore_a_row_with_plain_strings_for_enums() -> None:
    # given
    row = RestingOrder(5, 1, "a", "buy", 99, 1, 0, TimeInForce.GTC, None, False, StpMode.CANCEL_NEWEST)
    # when / then
    with pytest.raises(ValueError):
        Engine.restore([row], next_sequence=6)


def test_it_refuses_to_restore_a_good_till_date_row_without_an_expiry() -> None:
    # given: a GTD order must carry its expiry time (the old code failed with a TypeError comparing None)
    row = RestingOrder(5, 1, "a", Side.BUY, 99, 1, 0, TimeInForce.GTD, None, False, StpMode.CANCEL_NEWEST)
    # when / then
    with pytest.raises(ValueError):
        Engine.restore([row], next_sequence=6)
