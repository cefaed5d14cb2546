from __future__ import annotations

import pytest

from apps.marketplace.services.orders import committed_client_ids
from apps.tenants import rls
from tests.marketplace.factories import make_market, make_trader, place

pytestmark = pytest.mark.django_db


def test_a_batch_probe_finds_exactly_the_committed_pairs():
    # given: each trader has committed a client id the other one also asks about
    market, alice, bob = make_market(), make_trader("cci-alice"), make_trader("cci-bob")
    mine, theirs = place(alice, market, "buy", 900, 1, client_id="a-1"), place(bob, market, "sell", 1100, 1,
                                                                                 client_id="b-1")
    # when: the pairs cross, so matching tenants and client ids separately would report (alice, b-1)
    with rls.system_context(reason="a writer probes every trader's client ids"):
        found = committed_client_ids({(alice.pk, "a-1"), (alice.pk, "b-1"), (bob.pk, "a-1"), (bob.pk, "b-1"),
                                      (bob.pk, "c-1")})
    # then
    assert found == {(alice.pk, "a-1"): (mine.pk, mine.request_hash), (bob.pk, "b-1"): (theirs.pk, theirs.request_hash)}


def test_a_batch_probe_of_nothing_asks_nothing():
    # when / then
    assert committed_client_ids(set()) == {}
