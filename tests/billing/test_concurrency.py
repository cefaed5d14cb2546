from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from apps.billing.models import Purchase, Receipt, StripeEvent
from apps.ledger.models import Account, Entry
from apps.ledger.services import ledger_verify
from tests.billing.factories import open_purchase
from tools.stripe_standin import event_payload

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

DELIVERIES = 10


def _together(work: Callable[[], Any], times: int) -> list[Any]:
    barrier = threading.Barrier(times)

    def run() -> Any:
        try:
            barrier.wait()
            return work()
        finally:
            connection.close()  # each thread has its own connection

    with ThreadPoolExecutor(max_workers=times) as pool:
        return [f.result() for f in [pool.submit(run) for _ in range(times)]]


def test_a_paid_session_credits_once_when_its_event_arrives_ten_times_concurrently(tenant, pack, stripe_standin,
                                                                                    deliver):
    # given
    purchase = open_purchase(tenant, pack)
    body = event_payload("checkout.session.completed", stripe_standin.pay(purchase.stripe_session_id),
                         event_id="evt_storm")
    # when
    responses = _together(lambda: deliver("", {}, payload=body), DELIVERIES)
    # then
    outcomes = sorted(r.json()["outcome"] for r in responses)
    assert [r.status_code for r in responses] == [200] * DELIVERIES
    assert outcomes == ["credited"] + ["duplicate"] * (DELIVERIES - 1)
    assert StripeEvent.objects.count() == 1 and Receipt.objects.count() == 1
    assert Account.objects.get(tenant=tenant, asset_id="CEU", code="main").balance == pack.ceu_amount
    assert Entry.objects.filter(metadata__purchase=purchase.pk).count() == 1
    assert Purchase.objects.get(pk=purchase.pk).status == "paid"
    assert ledger_verify().ok


def test_different_events_for_one_session_racing_the_return_page_still_credit_once(tenant, pack, stripe_standin,
                                                                                   deliver):
    # given: webhook retries with new ids, the async-success event and the buyer's return page, all at once
    from apps.billing import services
    from tests.billing.factories import ACTOR

    purchase = open_purchase(tenant, pack)
    session = stripe_standin.pay(purchase.stripe_session_id)
    kinds = ["checkout.session.completed", "checkout.session.async_payment_succeeded"]
    jobs = iter([lambda k=k: deliver(k, session) for k in kinds * 4]
                + [lambda: services.purchase_reconcile(actor=ACTOR, tenant=tenant, purchase_id=purchase.pk)] * 2)
    lock = threading.Lock()

    def next_job() -> Any:
        with lock:
            job = next(jobs)
        return job()

    # when
    _together(next_job, 10)
    # then
    assert Account.objects.get(tenant=tenant, asset_id="CEU", code="main").balance == pack.ceu_amount
    assert StripeEvent.objects.filter(outcome="credited").count() <= 1 and Receipt.objects.count() == 1
    assert ledger_verify().ok
