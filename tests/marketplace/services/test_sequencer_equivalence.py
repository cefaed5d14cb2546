"""Property test: random command streams, cut into random batches, give the same answers, trades, orders, holds,
balances and book through the market writer's batches as through the per-order path, command by command."""
from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from apps.core.errors import ApplicationError
from apps.ledger.models import Account
from apps.marketplace import services
from apps.marketplace.models import Market, Order, Trade
from apps.marketplace.services import sequencer, sequencer_client
from apps.marketplace.services.book import book_rebuild
from apps.marketplace.services.orders import place_fields, place_fields_json
from apps.marketplace.services.sequencer import Command, batch_execute
from tests.marketplace.factories import ACTOR, make_market, make_trader

pytestmark = pytest.mark.django_db

_names = itertools.count()
TRADERS = 3
PRICES = st.integers(99, 101)
WHO = st.integers(0, TRADERS - 1)
PLACE = st.fixed_dictionaries({
    "action": st.just("place"), "who": WHO, "side": st.sampled_from(["buy", "sell"]),
    "kind": st.sampled_from(["limit"] * 4 + ["market"]), "ticks": PRICES, "lots": st.integers(1, 4),
    "tif": st.sampled_from(["gtc", "gtc", "ioc", "fok"]), "post_only": st.booleans(),
    "stp": st.sampled_from(["cancel_newest", "cancel_oldest", "cancel_both", "decrement"])})
ACTION = st.one_of(
    PLACE, PLACE, PLACE, PLACE, PLACE,
    st.fixed_dictionaries({"action": st.just("again"), "pick": st.integers(0, 30), "lots": st.integers(1, 4)}),
    st.fixed_dictionaries({"action": st.just("cancel"), "who": WHO, "pick": st.integers(0, 5)}),
    st.fixed_dictionaries({"action": st.just("amend"), "who": WHO, "pick": st.integers(0, 5),
                           "lots": st.none() | st.integers(1, 5), "ticks": st.none() | PRICES}),
    st.fixed_dictionaries({"action": st.just("cancel_all"), "who": WHO}),
)
SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


class Side:
    """One market and its traders; funds are small so that funds checks refuse often, also within a batch."""

    def __init__(self) -> None:
        self.market = make_market()
        # 1 lot at 100 ticks costs 100 CEU minor units: a few orders exhaust either asset
        self.traders = [make_trader(f"q{next(_names)}", ceu=450, pft=500_000) for _ in range(TRADERS)]
        self.placed: list[dict[str, Any]] = []  # place requests so far, for "again" (client-id repeats)

    def open_client_ids(self, who: int) -> list[str]:
        return list(Order.objects.filter(market=self.market, tenant=self.traders[who], status="open")
                    .order_by("priority").values_list("client_id", flat=True))

    def order_of(self, who: int, client_id: str) -> Order | None:
        return Order.objects.filter(tenant=self.traders[who], client_id=client_id).first()


def _place_request(side: Side, step: dict[str, Any], index: int) -> dict[str, Any]:
    limit = step["kind"] == "limit"
    tif = step["tif"] if limit else ("fok" if step["tif"] == "fok" else "ioc")
    return {"who": step["who"], "client_id": f"p{index}", "side": step["side"], "order_type": step["kind"],
            "price": step["ticks"] * side.market.tick_size if limit else None,
            "quantity": step["lots"] * side.market.lot_size, "time_in_force": tif, "stp_mode": step["stp"],
            "post_only": limit and step["post_only"] and tif == "gtc"}


def _resolve(side: Side, batch: list[dict[str, Any]], first: int) -> list[tuple[str, dict[str, Any]]]:
    """The batch's commands with their targets picked from the state at the batch's start (a caller can only
    name an order whose placement was answered)."""
    out: list[tuple[str, dict[str, Any]]] = []
    for k, step in enumerate(batch):
        if step["action"] == "place":
            request = _place_request(side, step, first + k)
            side.placed.append(request)
            out.append(("place", request))
        elif step["action"] == "again" and side.placed:
            request = dict(side.placed[step["pick"] % len(side.placed)])
            if step["pick"] % 3 == 0:  # the same client id for a different order: refused
                request["quantity"] = step["lots"] * side.market.lot_size
            out.append(("place", request))
        elif step["action"] == "cancel_all":
            out.append(("cancel_all", {"who": step["who"]}))
        elif step["action"] in ("cancel", "amend"):
            mine = side.open_client_ids(step["who"])
            if mine and (step["action"] == "cancel" or step["lots"] or step["ticks"]):
                out.append((step["action"], {**step, "client_id": mine[step["pick"] % len(mine)]}))
    return out


def _direct(side: Side, kind: str, args: dict[str, Any]) -> tuple[str, Any]:
    tenant, market = side.traders[args["who"]], side.market
    try:
        if kind == "place":
            fields = {k: v for k, v in args.items() if k != "who"}
            placed = services.order_place(actor=ACTOR, tenant=tenant, market_id=market.pk, **fields)
            return "ok", placed.replayed
        if kind == "cancel_all":
            services.orders_cancel_all(actor=ACTOR, tenant=tenant, market_id=market.pk)
            return "ok", None
        order = side.order_of(args["who"], args["client_id"])
        assert order is not None
        if kind == "cancel":
            services.order_cancel(actor=ACTOR, tenant=tenant, order_id=order.pk)
        else:
            services.order_amend(actor=ACTOR, tenant=tenant, order_id=order.pk,
                                 quantity=args["lots"] and args["lots"] * market.lot_size,
                                 price=args["ticks"] and args["ticks"] * market.tick_size)
        return "ok", None
    except ApplicationError as exc:
        return "error", exc.code


def _command(side: Side, kind: str, args: dict[str, Any]) -> Command:
    tenant, market = side.traders[args["who"]], side.market
    if kind == "place":
        fields, request_hash = place_fields(market_id=market.pk, **{k: v for k, v in args.items() if k != "who"})
        return Command(kind, tenant.pk, ACTOR, {"fields": place_fields_json(fields), "request_hash": request_hash})
    if kind == "cancel_all":
        return Command(kind, tenant.pk, ACTOR, {})
    order = side.order_of(args["who"], args["client_id"])
    assert order is not None
    target = {"order_id": order.pk, "sequence": order.sequence}
    if kind == "cancel":
        return Command(kind, tenant.pk, ACTOR, target)
    return Command(kind, tenant.pk, ACTOR, {**target, "quantity": args["lots"] and args["lots"] * market.lot_size,
                                            "price": args["ticks"] and args["ticks"] * market.tick_size})


def _ended(side: Side, args: dict[str, Any]) -> bool:
    """A placement repeating the client id of a committed order that no longer rests: the engine does not know
    that id any more, so only the unique constraint (and the per-order fallback) catches the repeat."""
    order = side.order_of(args["who"], args["client_id"])
    return order is not None and order.status != "open"


def _answer(reply: dict[str, Any] | None) -> tuple[str, Any]:
    assert reply is not None
    if "error" in reply:
        return "error", reply["error"]["code"]
    return "ok", reply["ok"].get("replayed")


def _state(side: Side) -> dict[str, Any]:
    market = side.market
    orders = list(Order.objects.filter(market=market).order_by("sequence").values_list(
        "tenant_id", "client_id", "sequence", "status", "cancel_reason", "price_ticks", "qty_lots", "filled_lots",
        "open_lots", "priority", "updated_seq", "reserved", "reserve_used", "reserve_released", "fees_paid"))
    rank = {t.pk: i for i, t in enumerate(side.traders)}
    trades = list(Trade.objects.filter(market=market).order_by("sequence").values_list(
        "sequence", "command_seq", "maker_order__sequence", "taker_order__sequence", "price_ticks", "qty_lots",
        "buyer_fee", "seller_fee"))
    balances = sorted((rank[t], a, b, p) for t, a, b, p in Account.objects.filter(
        tenant__in=side.traders, code="main").values_list("tenant_id", "asset_id", "balance", "pending_debits"))
    fresh = Market.objects.get(pk=market.pk)
    return {"orders": [(rank[o[0]], *o[1:]) for o in orders], "trades": trades, "balances": balances,
            "head": (fresh.command_seq, fresh.next_sequence, fresh.last_price_ticks),
            "depth": book_rebuild(fresh).engine.depth(50)}


def _buy(who: int, lots: int) -> dict[str, Any]:
    return {"action": "place", "who": who, "side": "buy", "kind": "limit", "ticks": 100, "lots": lots, "tif": "gtc",
            "post_only": False, "stp": "cancel_newest"}


@pytest.mark.slow
@SETTINGS
# funds used up within a batch, and funds a cancel frees used again by the next command of the same batch
@example(batches=[[_buy(0, 4), _buy(0, 4), _buy(1, 2)], [{"action": "cancel", "who": 0, "pick": 0}, _buy(0, 3),
                                                         _buy(0, 1), _buy(0, 1)]])
@given(batches=st.lists(st.lists(ACTION, min_size=1, max_size=8), min_size=1, max_size=6))
def test_batches_answer_and_settle_exactly_like_the_per_order_path(batches):
    # given: two identical markets, each with its own identical traders; no writer runs here
    sequencer_client.leaders_forget()
    direct, batched = Side(), Side()
    direct_answers, batched_answers = [], []
    first = 0
    # when: the direct side runs each command alone, the batched side runs each batch in one transaction
    for batch in batches:
        for kind, args in _resolve(direct, batch, first):
            direct_answers.append(_direct(direct, kind, args))
        resolved = _resolve(batched, batch, first)
        commands = [_command(batched, kind, args) for kind, args in resolved]
        excused = any(kind == "place" and _ended(batched, args) for kind, args in resolved)
        fallbacks = sequencer.stats["fallbacks"]
        if commands:
            batched_answers.extend(_answer(r) for r in batch_execute(batched.market.pk, commands))
        # only a repeated client id whose original no longer rests may need the per-order fallback
        assert sequencer.stats["fallbacks"] == fallbacks or excused
        first += len(batch)
    # then
    assert batched_answers == direct_answers
    assert _state(batched) == _state(direct)
    assert services.market_replay(market_id=batched.market.pk).ok
