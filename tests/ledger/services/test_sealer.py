from __future__ import annotations

import threading

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction

from apps.ledger import services
from apps.ledger.models import ChainHead, Entry, OutboxEvent, Seal
from apps.ledger.services.sealer import SEAL_LOCK, ledger_seal, ledger_seal_all, ledger_sealer_run
from tests.ledger.factories import ACTOR, funded_account
from tests.tenants.factories import TenantFactory


def _transfer(tenant, src, dst, client_id: str, amount: int = 1):  # type: ignore[no-untyped-def]
    return services.transfer_create(actor=ACTOR, tenant=tenant, client_id=client_id, debit_account_id=src.pk,
                                    credit_account_id=dst.pk, amount=amount)


def _dsn() -> str:
    db = settings.DATABASES["default"]
    return (f"host={db['HOST']} port={db['PORT']} dbname={connection.settings_dict['NAME']} user={db['USER']} "
            f"password={db['PASSWORD']}")


@pytest.mark.django_db
def test_it_chains_committed_entries_in_id_order_with_gap_free_seqs_and_their_events(tenant, other_tenant):
    # given
    src, dst = funded_account(tenant, 100), funded_account(other_tenant)
    for i in range(4):
        _transfer(tenant, src, dst, f"s-{i}")
    assert not Seal.objects.exists()
    # when
    sealed = ledger_seal_all()
    again = ledger_seal()
    # then
    seals = list(Seal.objects.order_by("seq").values_list("seq", "entry_id"))
    assert sealed == len(seals) == Entry.objects.count() == 5 and again.sealed == 0
    assert [s for s, _ in seals] == [1, 2, 3, 4, 5]
    assert [e for _, e in seals] == sorted(e for _, e in seals)
    assert list(OutboxEvent.objects.order_by("seq").values_list("seq", "entry_id")) == seals
    assert ChainHead.objects.get(pk=1).seq == 5
    assert services.ledger_verify().ok


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_entry_that_commits_after_a_later_one_was_sealed_is_sealed_next_not_skipped():
    # given: a transaction draws the lower entry id and stays open while a later entry commits and is sealed
    payer, payee = TenantFactory(slug="late-a"), TenantFactory(slug="late-b")
    src, other = funded_account(payer, 100), funded_account(payer, 100, code="spare")
    dst, dst2 = funded_account(payee), funded_account(payee, code="spare")  # no account shared: no lock wait
    ledger_seal_all()
    drawn, release = threading.Event(), threading.Event()
    early: list[int] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                early.append(_transfer(payer, src, dst, "early").entry_id)
                drawn.set()
                release.wait(10)
        finally:
            connection.close()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert drawn.wait(10)
    late = _transfer(payer, other, dst2, "late").entry_id
    # when
    first = ledger_seal_all()
    release.set()
    writer.join()
    second = ledger_seal_all()
    # then
    assert early[0] < late and first == 1 and second == 1
    assert Seal.objects.get(entry_id=late).seq < Seal.objects.get(entry_id=early[0]).seq
    report = services.ledger_verify()
    assert report.ok and report.unsealed == 0, report.problems


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_sealer_is_refused_while_another_session_holds_the_lead():
    # given: another session (a leader on some worker) holds the sealer's lock
    payer, payee = TenantFactory(slug="lead-a"), TenantFactory(slug="lead-b")
    funded_account(payer, 10), funded_account(payee)
    with psycopg.connect(_dsn(), autocommit=True) as leader:
        leader.execute("SELECT pg_advisory_lock(%s)", [SEAL_LOCK])
        # when
        refused = ledger_seal()
        loop = ledger_sealer_run(seconds=0.2)
        untouched = not Seal.objects.exists()
        leader.execute("SELECT pg_advisory_unlock(%s)", [SEAL_LOCK])  # the leader steps down
        # then
        assert refused.sealed == -1 and not loop.led and untouched
        assert ledger_seal().sealed == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_of_two_racing_leader_loops_exactly_one_leads_and_the_chain_stays_whole():
    # given
    payer, payee = TenantFactory(slug="race-a"), TenantFactory(slug="race-b")
    src, dst = funded_account(payer, 1_000), funded_account(payee)
    results: list[bool] = []
    start = threading.Barrier(2)

    def lead() -> None:
        try:
            start.wait()
            results.append(ledger_sealer_run(seconds=1.0).led)
        finally:
            connection.close()

    # when: both loops start together while transfers commit
    threads = [threading.Thread(target=lead) for _ in range(2)]
    for t in threads:
        t.start()
    for i in range(20):
        _transfer(payer, src, dst, f"race-{i}")
    for t in threads:
        t.join()
    ledger_seal_all()
    # then
    assert sorted(results) == [False, True]
    seqs = list(Seal.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 22))  # the funding and the 20 transfers
    assert services.ledger_verify().ok


@pytest.mark.django_db
def test_verify_faults_an_unsealed_entry_older_than_the_bound_only(tenant, other_tenant, settings):
    # given
    src, dst = funded_account(tenant, 100), funded_account(other_tenant)
    # when
    settings.LEDGER_SEAL_BOUND_S = 3600.0
    young = services.ledger_verify()
    settings.LEDGER_SEAL_BOUND_S = 0.0
    overdue = services.ledger_verify()
    ledger_seal_all()
    sealed = services.ledger_verify()
    # then
    assert young.ok and young.unsealed == 1, young.problems
    assert not overdue.ok and any("older than the sealing bound" in p for p in overdue.problems)
    assert sealed.ok and sealed.unsealed == 0
    del src, dst


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_beat_task_leads_one_term_and_seals_what_committed(monkeypatch):
    # given
    from apps.ledger import tasks

    payer, payee = TenantFactory(slug="task-a"), TenantFactory(slug="task-b")
    src, dst = funded_account(payer, 50), funded_account(payee)
    _transfer(payer, src, dst, "task-1")
    monkeypatch.setattr(tasks, "SEALER_RUN_S", 0.2)
    # when
    summary = tasks.ledger_seal()
    # then
    assert summary["led"] is True and summary["sealed"] == 2
    assert services.ledger_verify().unsealed == 0
