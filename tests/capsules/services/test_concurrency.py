from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from apps.capsules import services
from apps.capsules.models import UsageEvent
from apps.ledger.services import ledger_verify
from tests.capsules.factories import ACTOR, make_capsule, platform, stream_with_points
from tests.ledger.factories import funded_account, refreshed

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


def test_workers_racing_on_one_run_charge_it_once(tenant, monkeypatch):
    # given: a duplicated task delivery reaches five workers at once
    monkeypatch.setattr("apps.capsules.services.runs._enqueue", lambda run_id: None)
    capsule = make_capsule(platform())
    stream = stream_with_points(tenant, n=300)
    account = funded_account(tenant, 100_000)
    run = services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk,
                                     inputs={"streams": [stream.pk]})
    barrier = threading.Barrier(5)

    def execute() -> str:
        try:
            barrier.wait()
            return services.capsule_run_execute(run_id=run.pk)
        finally:
            connection.close()

    # when
    with ThreadPoolExecutor(max_workers=5) as pool:
        outcomes = sorted(f.result() for f in [pool.submit(execute) for _ in range(5)])
    # then
    run.refresh_from_db()
    assert outcomes == ["not-claimed"] * 4 + ["succeeded"]
    assert run.charged == sum(UsageEvent.objects.filter(run=run).values_list("ceu_amount", flat=True)) > 0
    assert refreshed(account).balance == 100_000 - run.charged
    assert ledger_verify().ok
