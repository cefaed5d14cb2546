from __future__ import annotations

import random

import pytest

from apps.core.errors import ApplicationError
from apps.marketplace import services
from apps.marketplace.models import Market, Order, Trade
from apps.marketplace.services import book as book_module
from apps.marketplace.services import orders as orders_module
from tests.marketplace.factories import make_market, make_trader, place

pytestmark = pytest.mark.django_db


def _script(seed: int, n: int) -> list[tuple[int, str, int, int, str]]:
    rng = random.Random(seed)
    return [(rng.randrange(3), rng.choice(["buy", "sell"]), rng.randint(97, 103), rng.randint(1, 5),
             rng.choice(["gtc", "gtc", "ioc"])) for _ in range(n)]


def _trades(market: Market) -> list[tuple[int, int, int, int, int]]:
    return list(Trade.objects.filter(market=market).order_by("sequence").values_list(
        "sequence", "price_ticks", "qty_lots", "maker_order__sequence", "taker_order__sequence"))


def _play(market: Market, traders: list, script: list, on_step=None) -> None:  # type: ignore[no-untyped-def]
    for i, (who, side, ticks, lots, tif) in enumerate(script):
        if on_step is not None:
            on_step(i)
        place(traders[who], market, side, ticks, lots, time_in_force=tif)


def test_a_restart_rebuilds_the_book_and_continues_with_the_same_trades():
    # given: the same orders on two markets, one of them "restarting" every few orders
    traders = [make_trader(f"t{i}") for i in range(3)]
    steady, crashy = make_market(), make_market()
    script = _script(7, 40)
    # when
    _play(steady, traders, script)
    _play(crashy, traders, script, on_step=lambda i: i % 7 == 3 and services.book_forget())
    # then
    assert _trades(crashy) == _trades(steady) and len(_trades(steady)) > 5
    assert services.market_replay(market_id=crashy.pk).ok


def test_a_stale_engine_catches_up_from_the_command_log():
    # given: an engine snapshot taken early, as another process would hold it
    traders = [make_trader(f"t{i}") for i in range(3)]
    reference, market = make_market(), make_market()
    script = _script(11, 30)
    _play(reference, traders, script)
    _play(market, traders, script[:10])
    stale = services.book_rebuild(Market.objects.select_related("base_asset").get(pk=market.pk))
    _play(market, traders, script[10:20])
    # when: the stale copy is what this process has cached
    book_module.book_checkin(market.pk, stale)
    _play(market, traders, script[20:])
    # then
    assert _trades(market) == _trades(reference)
    assert services.market_replay(market_id=market.pk).ok


def test_a_book_changed_by_a_rolled_back_transaction_is_never_reused(monkeypatch):
    # given: the pre-check is skipped, so the engine matches before the ledger refuses the hold
    rich, poor, later = make_trader("rich"), make_trader("poor", ceu=50), make_trader("later")
    market = make_market()
    ask = place(rich, market, "sell", 100, 1)
    monkeypatch.setattr(orders_module, "check_funds", lambda *args: None)
    with pytest.raises(ApplicationError) as refused:
        place(poor, market, "buy", 100, 1)
    monkeypatch.undo()
    # when
    taker = place(later, market, "buy", 100, 1)
    # then: the ask was still there for the next buyer
    assert refused.value.code == "insufficient_funds"
    assert taker.status == "filled" and _trades(market)[0][3] == ask.sequence
    assert services.market_replay(market_id=market.pk).ok


def test_replay_reports_a_tampered_trade():
    # given
    traders = [make_trader(f"t{i}") for i in range(3)]
    market = make_market()
    _play(market, traders, _script(3, 20))
    from django.db import connection

    from tests.tenants.roles import as_table_owner

    # when: the table's owner edits a trade's price behind the append-only trigger's back
    with as_table_owner(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE marketplace_trade DISABLE TRIGGER USER")
        cursor.execute("UPDATE marketplace_trade SET price_ticks = price_ticks + 1 WHERE id = "
                       "(SELECT min(id) FROM marketplace_trade WHERE market_id = %s)", [market.pk])
        cursor.execute("ALTER TABLE marketplace_trade ENABLE TRIGGER USER")
    # then
    report = services.market_replay(market_id=market.pk)
    assert not report.ok and "trade lists differ" in report.problems[0]


def test_history_tables_refuse_updates():
    # given
    traders = [make_trader(f"t{i}") for i in range(2)]
    market = make_market()
    place(traders[0], market, "sell", 100, 1)
    place(traders[1], market, "buy", 100, 1)
    # when / then
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():
        Trade.objects.filter(market=market).update(qty_lots=2)


def test_a_caught_up_book_reads_its_makers_from_the_rows_not_from_memory():
    # given: a resting ask whose row this process keeps with its cached book
    seller, first, second = make_trader("seller"), make_trader("first"), make_trader("second")
    market = make_market()
    ask = place(seller, market, "sell", 100, 3)
    held = book_module._books[market.pk]
    # and another process fills one lot of it, so this process's book (and the rows kept with it) is behind
    book_module.book_forget(market.pk)
    place(first, market, "buy", 100, 1)
    book_module.book_checkin(market.pk, held)
    # when: this process matches against the ask again (its book catches up from the command log)
    place(second, market, "buy", 100, 1)
    # then: the second fill adds to the committed row, not to the copy kept from before the other fill
    assert Order.objects.filter(pk=ask.pk).values_list("filled_lots", "open_lots").get() == (2, 1)
    assert services.market_replay(market_id=market.pk).ok
