from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from apps.core.errors import ApplicationError
from apps.ledger import services
from apps.ledger.models import Account, Entry, Hold, Seal
from apps.ledger.services import entries
from apps.ledger.services.sealer import ledger_seal_all, ledger_sealer_run
from tests.ledger.factories import ACTOR, funded_account
from tests.tenants.factories import TenantFactory

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


def _in_thread(work: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        try:
            return work()
        except ApplicationError as exc:
            return exc
        finally:
            connection.close()  # each worker thread has its own connection
    return run


def _parallel(work: Callable[[], Any], times: int, threads: int) -> list[Any]:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return [f.result() for f in [pool.submit(_in_thread(work)) for _ in range(times)]]


def test_one_client_id_sent_a_thousand_times_concurrently_makes_one_entry():
    # given
    payer, payee = TenantFactory(slug="payer"), TenantFactory(slug="payee")
    src, dst = funded_account(payer, 10_000), funded_account(payee)
    # when
    results = _parallel(lambda: services.transfer_create(
        actor=ACTOR, tenant=payer, client_id="once", debit_account_id=src.pk, credit_account_id=dst.pk,
        amount=7), times=1000, threads=32)
    # then
    assert len({r.entry_id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert Entry.objects.filter(client_id="once").count() == 1
    assert Account.objects.get(pk=src.pk).balance == 9_993
    assert services.ledger_verify().ok


def test_concurrent_post_and_void_resolve_a_hold_exactly_once():
    # given
    payer, payee = TenantFactory(slug="p1"), TenantFactory(slug="p2")
    src, dst = funded_account(payer, 1_000), funded_account(payee)
    hold = services.hold_create(actor=ACTOR, tenant=payer, client_id="race", debit_account_id=src.pk,
                                credit_account_id=dst.pk, amount=500)
    actions = [lambda: services.hold_post(actor=ACTOR, tenant=payer, hold_id=hold.pk),
               lambda: services.hold_void(actor=ACTOR, tenant=payer, hold_id=hold.pk)] * 10
    # when
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [f.result() for f in [pool.submit(_in_thread(a)) for a in actions]]
    # then
    winners = [r for r in results if isinstance(r, Hold)]
    assert len(winners) == 1
    assert all(r.code == "hold_not_pending" for r in results if isinstance(r, ApplicationError))
    final = Hold.objects.get(pk=hold.pk)
    src.refresh_from_db()
    assert src.pending_debits == 0
    assert src.balance == (500 if final.status == "posted" else 1_000)
    assert services.ledger_verify().ok


def test_a_multi_threaded_stress_run_keeps_every_invariant():
    # given: a few tenants hammering each other and a hot fee account
    tenants = [TenantFactory(slug=f"s{i}") for i in range(4)]
    accounts = [funded_account(t, 2_000) for t in tenants]
    fees = services.system_account(asset="CEU", code="fees")
    rng = random.Random(7)
    plan = [(rng.randrange(4), rng.randrange(4), rng.randint(1, 400), n) for n in range(400)]
    plan = [p for p in plan if p[0] != p[1]]

    def transfer(i: int, j: int, amount: int, n: int) -> Any:
        return services.transfer_create(actor=ACTOR, tenant=tenants[i], client_id=f"stress-{n}",
                                        debit_account_id=accounts[i].pk, credit_account_id=accounts[j].pk,
                                        amount=amount, fee=1, fee_account_id=fees.pk)

    # when
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = [f.result() for f in [pool.submit(_in_thread(lambda p=p: transfer(*p))) for p in plan]]
    # then
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert all(r.code == "insufficient_funds" for r in refused)
    balances = list(Account.objects.filter(pk__in=[a.pk for a in accounts]).values_list("balance", flat=True))
    assert min(balances) >= 0
    assert sum(balances) + Account.objects.get(pk=fees.pk).balance == 8_000
    assert Account.objects.get(pk=fees.pk).balance == len(plan) - len(refused)
    report = services.ledger_verify()
    assert report.ok, report.problems


@pytest.mark.parametrize("group_commit", ["off", "on", "auto"], ids=["direct", "group-commit", "auto"])
def test_many_threads_with_the_sealer_running_keep_balances_floors_and_the_chain_exact(group_commit, monkeypatch):
    # given: six tenants with little money sending to each other through a hot fee account, while the sealer's
    # leader loop chains entries as they commit
    monkeypatch.setattr(entries, "GROUP_COMMIT", group_commit)
    monkeypatch.setattr(entries, "GROUP_MIN_CALLERS", 3)  # "auto" switches between both paths within the run
    tenants = [TenantFactory(slug=f"c{i}") for i in range(6)]
    accounts = [funded_account(t, 500) for t in tenants]
    fees = services.system_account(asset="CEU", code="fees")
    rng = random.Random(11)
    plan = [(i, j, rng.randint(1, 120), n) for n, (i, j) in enumerate(
        (rng.randrange(6), rng.randrange(6)) for _ in range(600)) if i != j]
    stop = threading.Event()
    sealer: list[Any] = []

    def seal() -> None:
        try:
            sealer.append(ledger_sealer_run(seconds=120, stop=stop.is_set))
        finally:
            connection.close()

    def transfer(i: int, j: int, amount: int, n: int) -> Any:
        return services.transfer_create(actor=ACTOR, tenant=tenants[i], client_id=f"many-{n}",
                                        debit_account_id=accounts[i].pk, credit_account_id=accounts[j].pk,
                                        amount=amount, fee=1, fee_account_id=fees.pk)

    # when
    loop = threading.Thread(target=seal)
    loop.start()
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = [f.result() for f in [pool.submit(_in_thread(lambda p=p: transfer(*p))) for p in plan]]
    stop.set()
    loop.join()
    ledger_seal_all()
    # then: every refusal is a floor, no balance went below zero, money is conserved and each fee counted once
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert all(r.code == "insufficient_funds" for r in refused) and 0 < len(refused) < len(plan)
    balances = list(Account.objects.filter(pk__in=[a.pk for a in accounts]).values_list("balance", flat=True))
    assert min(balances) >= 0
    assert sum(balances) + Account.objects.get(pk=fees.pk).balance == 3_000
    assert Account.objects.get(pk=fees.pk).balance == len(plan) - len(refused)
    assert sealer[0].led and sealer[0].sealed > 0
    seals = list(Seal.objects.order_by("seq").values_list("seq", flat=True))
    assert seals == list(range(1, Entry.objects.count() + 1))
    report = services.ledger_verify()
    assert report.ok and report.unsealed == 0, report.problems
