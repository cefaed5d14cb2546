"""Property-based checks of the service layer: arbitrary order flows (with simulated crashes) on a small book,
then the exchange invariants, the ledger and the replay."""
from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.errors import ApplicationError
from apps.ledger.models import Account, Hold, HoldStatus
from apps.ledger.services import ledger_verify, system_account
from apps.marketplace import services
from apps.marketplace.models import Fill, Market, Order, Trade
from tests.marketplace.factories import ACTOR, make_market, make_trader

pytestmark = pytest.mark.django_db

_names = itertools.count()
PRICES = st.integers(99, 101)
TRADER = st.integers(0, 2)
PLACE = st.fixed_dictionaries({
    "action": st.just("place"), "who": TRADER, "side": st.sampled_from(["buy", "sell"]),
    "kind": st.sampled_from(["limit"] * 4 + ["market"]), "ticks": PRICES, "lots": st.integers(1, 4),
    "tif": st.sampled_from(["gtc", "gtc", "ioc", "fok"]), "post_only": st.booleans(),
    "stp": st.sampled_from(["cancel_newest", "cancel_oldest", "cancel_both", "decrement"])})
ACTIONS = st.one_of(
    PLACE, PLACE, PLACE,
    st.fixed_dictionaries({"action": st.just("cancel"), "who": TRADER, "pick": st.integers(0, 5)}),
    st.fixed_dictionaries({"action": st.just("amend"), "who": TRADER, "pick": st.integers(0, 5),
                           "lots": st.none() | st.integers(1, 5), "ticks": st.none() | PRICES}),
    st.fixed_dictionaries({"action": st.just("cancel_all"), "who": TRADER}),
    st.fixed_dictionaries({"action": st.just("crash")}),
)
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _open(market: Market, tenant_id: int | None = None) -> list[Order]:
    qs = Order.objects.filter(market=market, status="open").order_by("priority")
    return list(qs if tenant_id is None else qs.filter(tenant_id=tenant_id))


def _queue(market: Market, side: str, owner: int) -> list[Order]:
    """Resting orders a taker on `side` meets, in price-time priority, leaving out its owner's own."""
    makers = [o for o in _open(market) if o.side != side and o.tenant_id != owner]
    return sorted(makers, key=lambda o: ((o.price_ticks if side == "buy" else -o.price_ticks), o.priority))


def _place(market: Market, traders: list, step: dict[str, Any]) -> None:
    owner = traders[step["who"]]
    queue = _queue(market, step["side"], owner.pk)
    seq = Market.objects.get(pk=market.pk).command_seq
    limit = step["kind"] == "limit"
    tif = step["tif"] if limit else ("fok" if step["tif"] == "fok" else "ioc")
    order = services.order_place(
        actor=ACTOR, tenant=owner, market_id=market.pk, client_id=f"p{next(_names)}", side=step["side"],
        order_type=step["kind"], price=step["ticks"] * market.tick_size if limit else None,
        quantity=step["lots"] * market.lot_size, time_in_force=tif, stp_mode=step["stp"],
        post_only=limit and step["post_only"] and tif == "gtc").order
    _check_priority(market, order, queue, seq)


def _check_priority(market: Market, taker: Order, queue: list[Order], seq: int) -> None:
    """The taker's fills walk the queue in order, each at the maker's price, never past its limit, and every
    maker before the last one it touched was used up."""
    trades = list(Trade.objects.filter(market=market, command_seq__gt=seq).order_by("sequence"))
    position = {o.pk: i for i, o in enumerate(queue)}
    taken: dict[int, int] = defaultdict(int)
    last = -1
    for t in trades:
        assert t.taker_order_id == taker.pk and t.maker_order_id in position
        index = position[t.maker_order_id]
        assert index >= last and t.price_ticks == queue[index].price_ticks
        if taker.price_ticks is not None:
            assert (t.price_ticks <= taker.price_ticks) if taker.side == "buy" else (t.price_ticks >= taker.price_ticks)
        taken[index] += t.qty_lots
        last = index
    for index in range(last):
        assert taken[index] == queue[index].open_lots


def _change(market: Market, traders: list, step: dict[str, Any]) -> None:
    owner = traders[step["who"]]
    if step["action"] == "cancel_all":
        services.orders_cancel_all(actor=ACTOR, tenant=owner, market_id=market.pk)
        return
    mine = _open(market, owner.pk)
    if not mine:
        return
    order = mine[step["pick"] % len(mine)]
    if step["action"] == "cancel":
        services.order_cancel(actor=ACTOR, tenant=owner, order_id=order.pk)
    elif step["lots"] or step["ticks"]:
        services.order_amend(actor=ACTOR, tenant=owner, order_id=order.pk,
                             quantity=step["lots"] and step["lots"] * market.lot_size,
                             price=step["ticks"] and step["ticks"] * market.tick_size)


def _check_book(market: Market) -> None:
    resting = _open(market)
    bids = [o.price_ticks for o in resting if o.side == "buy"]
    asks = [o.price_ticks for o in resting if o.side == "sell"]
    assert not bids or not asks or max(bids) < min(asks), "crossed book"


def _check_orders(market: Market, tenant_ids: list[int]) -> None:
    for order in Order.objects.filter(market=market):
        assert 0 <= order.filled_lots <= order.qty_lots and order.open_lots <= order.qty_lots - order.filled_lots
        if order.time_in_force == "fok":
            assert order.filled_lots in (0, order.qty_lots)
        hold = Hold.objects.get(pk=order.hold_id)
        assert (hold.status == HoldStatus.PENDING) == (order.status == "open")
        assert hold.amount == order.reserved and order.reserve_left >= 0
    assert not Fill.objects.filter(market=market, role="taker", order__post_only=True).exists()
    for trade in Trade.objects.filter(market=market).select_related("maker_order", "taker_order"):
        assert trade.maker_order.tenant_id != trade.taker_order.tenant_id
    for asset in ("CEU", "PFT"):
        reserved = sum(o.reserve_left for o in _open(market) if o.reserve_asset == asset)
        pending = sum(Account.objects.filter(tenant_id__in=tenant_ids, asset_id=asset, code="main")
                      .values_list("pending_debits", flat=True))
        assert pending == reserved


def _totals(tenant_ids: list[int]) -> dict[str, int]:
    out = {a: sum(Account.objects.filter(tenant_id__in=tenant_ids, asset_id=a, code="main")
                  .values_list("balance", flat=True)) for a in ("CEU", "PFT")}
    out["fees"] = system_account(asset="CEU", code="fees").balance
    return out


@pytest.mark.slow
@SETTINGS
@given(steps=st.lists(ACTIONS, min_size=8, max_size=24))
def test_arbitrary_order_flows_keep_every_exchange_invariant(steps):
    # given
    market = make_market()
    traders = [make_trader(f"h{next(_names)}") for _ in range(3)]
    ids = [t.pk for t in traders]
    before = _totals(ids)
    # when
    for step in steps:
        try:
            if step["action"] == "crash":
                services.book_forget()
            elif step["action"] == "place":
                _place(market, traders, step)
            else:
                _change(market, traders, step)
        except ApplicationError as exc:
            assert exc.code in {"no_liquidity", "order_not_open", "insufficient_funds"}, exc.code
        _check_book(market)
    # then
    _check_orders(market, ids)
    after = _totals(ids)
    assert after["PFT"] == before["PFT"]
    assert after["CEU"] + (after["fees"] - before["fees"]) == before["CEU"]
    assert services.market_replay(market_id=market.pk).ok


def test_the_ledger_verifies_after_the_property_runs():
    # given a short busy run (the property test above shares one transaction; this one checks the journal)
    market = make_market()
    traders = [make_trader(f"v{i}") for i in range(3)]
    for i in range(12):
        _place(market, traders, {"who": i % 3, "side": "buy" if i % 2 else "sell", "kind": "limit",
                                 "ticks": 99 + i % 3, "lots": 1 + i % 3, "tif": "gtc", "post_only": False,
                                 "stp": "cancel_newest"})
    # when
    report = ledger_verify()
    # then
    assert report.ok, report.problems
