"""`order_place` with a live market writer: the caller queues without probing its client id first (the writer
checks it under its lock), and a replay is still answered while the market is halted."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.errors import ApplicationError
from apps.marketplace import services
from apps.marketplace.services import sequencer_client
from tests.marketplace.factories import ACTOR, make_market, make_trader
from tests.marketplace.writer_thread import writer_thread

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _place(tenant, market, client_id: str = "q-1", price: int = 1000) -> services.Placed:
    return services.order_place(actor=ACTOR, tenant=tenant, market_id=market.pk, client_id=client_id, side="buy",
                                order_type="limit", price=price, quantity=100_000)


def test_the_caller_queues_without_a_client_id_probe_and_the_writer_answers_replays():
    # given
    market, alice = make_market(), make_trader("q-alice")
    with writer_thread(market.pk):
        assert sequencer_client.leader_alive(market.pk)
        # when
        with CaptureQueriesContext(connection) as queries:
            first = _place(alice, market)
        again = _place(alice, market)
        with pytest.raises(ApplicationError) as reused:
            _place(alice, market, price=990)
    # then: the caller's only query is reading the committed order back
    selects = [q["sql"] for q in queries if "marketplace_order" in q["sql"]]
    assert len(selects) == 1 and '"marketplace_order"."id" IN' in selects[0]
    assert (first.replayed, again.replayed, again.order.pk) == (False, True, first.order.pk)
    assert reused.value.code == "duplicate_client_id"


def test_a_replay_through_the_writer_still_answers_while_the_market_is_halted():
    # given
    market, alice = make_market(), make_trader("qh-alice")
    with writer_thread(market.pk):
        first = _place(alice, market, "halt-1")
        services.market_set_state(actor=ACTOR, market_id=market.pk, state="halted")
        # when
        again = _place(alice, market, "halt-1")
        with pytest.raises(ApplicationError) as fresh:
            _place(alice, market, "halt-2")
    # then
    assert again.replayed and again.order.pk == first.order.pk
    assert fresh.value.code == "market_halted"
