"""The caller's side of the market writer when no writer can be reached."""
from __future__ import annotations

from typing import Any

import pytest

from apps.marketplace.services import sequencer_client
from tests.marketplace.factories import make_market, make_trader, place
from tests.ports import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_redis(settings: Any) -> Any:
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    sequencer_client.leaders_forget()
    yield
    sequencer_client.leaders_forget()


def test_it_trades_on_the_callers_transaction_when_redis_is_unreachable(no_redis):
    # given
    market, alice, bob = make_market(), make_trader("nr-alice"), make_trader("nr-bob")
    # when
    maker = place(alice, market, "sell", 100, 2)
    taker = place(bob, market, "buy", 100, 2)
    # then
    maker.refresh_from_db()
    assert (maker.status, taker.status) == ("filled", "filled")


def test_it_queues_nothing_for_a_market_without_a_leader():
    # given: no writer runs for this market
    market, alice = make_market(), make_trader("nl-alice")
    sequencer_client.leaders_forget()
    # when
    order = place(alice, market, "buy", 99, 1)
    # then: answered on the caller's transaction, and the market's queue stayed empty
    assert order.pk is not None and order.status == "open"
    assert sequencer_client.client().llen(sequencer_client.queue_key(market.pk)) == 0
