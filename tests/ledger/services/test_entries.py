from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from apps.core.errors import ApplicationError
from apps.ledger import engine, services
from apps.ledger.models import Entry, OutboxEvent, Posting
from apps.ledger.services.sealer import ledger_seal_all
from tests.ledger.factories import ACTOR, funded_account, refreshed
from tests.tenants.roles import as_table_owner

pytestmark = pytest.mark.django_db


def refreshed_entry(entry_id: int) -> Entry:
    return Entry.objects.select_related("seal").get(pk=entry_id)


def test_a_transfer_moves_funds_and_sums_to_zero(tenant, other_tenant):
    # given
    src, dst = funded_account(tenant, 10_000), funded_account(other_tenant)
    # when
    result = services.transfer_create(actor=ACTOR, tenant=tenant, client_id="t-1", debit_account_id=src.pk,
                                      credit_account_id=dst.pk, amount=2_500)
    # then
    assert refreshed(src).balance == 7_500 and refreshed(dst).balance == 2_500
    assert sum(Posting.objects.filter(entry_id=result.entry_id).values_list("amount", flat=True)) == 0
    assert not OutboxEvent.objects.filter(entry_id=result.entry_id).exists()  # the sealer writes the event
    ledger_seal_all()
    assert OutboxEvent.objects.filter(entry_id=result.entry_id, seq=refreshed_entry(result.entry_id).seq).exists()


def test_an_overdraft_is_refused_and_nothing_is_written(tenant, other_tenant):
    # given
    src, dst = funded_account(tenant, 100), funded_account(other_tenant)
    entries_before = Entry.objects.count()
    # when
    with pytest.raises(ApplicationError) as refused:
        services.transfer_create(actor=ACTOR, tenant=tenant, client_id="big", debit_account_id=src.pk,
                                 credit_account_id=dst.pk, amount=101)
    # then
    assert refused.value.code == "insufficient_funds"
    assert "0.100 CEU available, this entry needs 0.101 CEU" in refused.value.message
    assert (refused.value.extra["available"], refused.value.extra["needed"]) == (100, 101)
    assert Entry.objects.count() == entries_before
    assert refreshed(src).balance == 100 and refreshed(dst).balance == 0


def test_a_credit_limit_allows_going_below_zero_up_to_it(tenant, other_tenant):
    # given
    src, dst = funded_account(tenant), funded_account(other_tenant)
    services.account_set_credit_limit(actor=ACTOR, account_id=src.pk, credit_limit=500)
    # when
    services.transfer_create(actor=ACTOR, tenant=tenant, client_id="c-1", debit_account_id=src.pk,
                             credit_account_id=dst.pk, amount=500)
    # then
    assert refreshed(src).balance == -500
    with pytest.raises(ApplicationError, match="Insufficient"):
        services.transfer_create(actor=ACTOR, tenant=tenant, client_id="c-2", debit_account_id=src.pk,
                                 credit_account_id=dst.pk, amount=1)


def test_the_same_client_id_and_content_replays(tenant, other_tenant):
    # given
    src, dst = funded_account(tenant, 1_000), funded_account(other_tenant)
    kwargs = dict(actor=ACTOR, tenant=tenant, client_id="same", debit_account_id=src.pk, credit_account_id=dst.pk,
                  amount=10)
    # when
    first, second = services.transfer_create(**kwargs), services.transfer_create(**kwargs)
    # then
    assert first.entry_id == second.entry_id and second.replayed and not first.replayed
    assert refreshed(src).balance == 990


def test_the_same_client_id_with_other_content_is_a_conflict(tenant, other_tenant):
    # given
    src, dst = funded_account(tenant, 1_000), funded_account(other_tenant)
    services.transfer_create(actor=ACTOR, tenant=tenant, client_id="x", debit_account_id=src.pk,
                             credit_account_id=dst.pk, amount=10)
    # when
    with pytest.raises(ApplicationError) as conflict:
        services.transfer_create(actor=ACTOR, tenant=tenant, client_id="x", debit_account_id=src.pk,
                                 credit_account_id=dst.pk, amount=11)
    # then
    assert conflict.value.status == 409 and conflict.value.code == "idempotency_conflict"


def test_a_replay_is_answered_as_one_after_the_funds_have_gone(tenant, other_tenant):
    # given: ledger_transfer looks a client id up only after the insert met it or before a refusal (0010)
    src, dst = funded_account(tenant, 100), funded_account(other_tenant)
    kwargs = dict(actor=ACTOR, tenant=tenant, client_id="all-of-it", debit_account_id=src.pk,
                  credit_account_id=dst.pk, amount=100)
    first = services.transfer_create(**kwargs)
    # when
    second = services.transfer_create(**kwargs)
    # then
    assert second.replayed and second.entry_id == first.entry_id
    assert refreshed(src).balance == 0 and refreshed(dst).balance == 100


def test_a_reused_client_id_is_a_conflict_even_when_the_funds_would_not_suffice(tenant, other_tenant):
    # given
    src, dst = funded_account(tenant, 100), funded_account(other_tenant)
    services.transfer_create(actor=ACTOR, tenant=tenant, client_id="once", debit_account_id=src.pk,
                             credit_account_id=dst.pk, amount=60)
    # when
    with pytest.raises(ApplicationError) as conflict:
        services.transfer_create(actor=ACTOR, tenant=tenant, client_id="once", debit_account_id=src.pk,
                                 credit_account_id=dst.pk, amount=70)
    # then
    assert conflict.value.code == "idempotency_conflict"
    assert refreshed(src).balance == 40 and Entry.objects.filter(client_id="once").count() == 1


def test_unbalanced_postings_are_refused(tenant, other_tenant):
    # given
    src, dst = funded_account(tenant, 1_000), funded_account(other_tenant)
    # when / then
    with pytest.raises(ApplicationError) as refused:
        services.entry_create(actor=ACTOR, tenant=tenant, client_id="u", postings=[(src.pk, -10), (dst.pk, 9)])
    assert refused.value.code == "unbalanced_entry"


def test_mixed_assets_must_each_balance(tenant, other_tenant):
    # given
    ceu, pft = funded_account(tenant, 1_000), funded_account(other_tenant, 1_000, asset="PFT")
    their_ceu, my_pft = funded_account(other_tenant), funded_account(tenant, asset="PFT")
    # when: a swap entry debiting another tenant's account is refused for a tenant...
    with pytest.raises(ApplicationError) as refused:
        services.entry_create(actor=ACTOR, tenant=tenant, client_id="swap",
                              postings=[(ceu.pk, -100), (their_ceu.pk, 100), (pft.pk, -5), (my_pft.pk, 5)])
    # ...but a system-scoped settlement may move both legs at once
    services.entries.entry_submit(services.entries.build_spec(
        tenant=None, client_id="swap-sys", actor=ACTOR, kind="trade",
        postings=[(ceu.pk, -100), (their_ceu.pk, 100), (pft.pk, -5), (my_pft.pk, 5)]))
    # then
    assert refused.value.code == "foreign_account"
    assert (refreshed(ceu).balance, refreshed(their_ceu).balance, refreshed(pft).balance,
            refreshed(my_pft).balance) == (900, 100, 995, 5)


def test_a_reversal_restores_balances_and_points_at_the_original(tenant):
    # given
    a, b = funded_account(tenant, 1_000), funded_account(tenant, code="savings")
    original = services.transfer_create(actor=ACTOR, tenant=tenant, client_id="r-1", debit_account_id=a.pk,
                                         credit_account_id=b.pk, amount=300)
    # when
    reversal = services.entry_reverse(actor=ACTOR, tenant=tenant, entry_id=original.entry_id, client_id="r-1-rev",
                                      reason="sent to the wrong account")
    # then
    assert (refreshed(a).balance, refreshed(b).balance) == (1_000, 0)
    assert Entry.objects.get(pk=reversal.entry_id).reverses_id == original.entry_id
    with pytest.raises(ApplicationError) as again:
        services.entry_reverse(actor=ACTOR, tenant=tenant, entry_id=original.entry_id, client_id="r-1-rev2")
    assert again.value.code == "already_reversed"


def test_a_batch_is_all_or_nothing(tenant, other_tenant):
    # given
    src, dst = funded_account(tenant, 100), funded_account(other_tenant)
    transfers = [dict(client_id=f"b-{i}", debit_account_id=src.pk, credit_account_id=dst.pk, amount=30)
                 for i in range(4)]  # the fourth overdraws
    # when
    with pytest.raises(ApplicationError, match="Insufficient"):
        services.transfers_create_batch(actor=ACTOR, tenant=tenant, transfers=transfers)
    done = services.transfers_create_batch(actor=ACTOR, tenant=tenant, transfers=transfers[:3])
    # then
    assert len(done) == 3 and refreshed(src).balance == 10


@pytest.mark.parametrize("statement", ["UPDATE ledger_posting SET amount = amount + 1",
                                       "DELETE FROM ledger_posting", "UPDATE ledger_entry SET kind = 'x'",
                                       "DELETE FROM ledger_entry", "DELETE FROM ledger_outboxevent",
                                       "UPDATE ledger_seal SET hash = repeat('0', 64)", "DELETE FROM ledger_seal"])
def test_the_database_refuses_to_edit_history(tenant, statement):
    # given: a sealed entry, so every history table has a row for the statement to meet
    funded_account(tenant, 50)
    ledger_seal_all()
    # when / then: the app's role has no such right, and even the tables' owner meets the append-only trigger
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    with as_table_owner(), pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(statement)


def test_a_lone_transfer_with_a_stale_account_cache_is_retried_with_what_the_database_says(tenant, other_tenant):
    # given: the engine's id -> (tenant, asset) cache is wrong about the credited account's owner (an id reused
    # after a truncation); the single-transfer function must refuse to write postings and hashes with it
    src, dst = funded_account(tenant, 100), funded_account(other_tenant)
    engine._ACCOUNTS[dst.pk] = (tenant.pk, "CEU")
    # when
    result = services.transfer_create(actor=ACTOR, tenant=tenant, client_id="stale", debit_account_id=src.pk,
                                      credit_account_id=dst.pk, amount=10)
    # then
    assert refreshed(dst).balance == 10
    assert Posting.objects.get(entry_id=result.entry_id, account_id=dst.pk).tenant_id == other_tenant.pk
    assert engine._ACCOUNTS[dst.pk] == (other_tenant.pk, "CEU")
    ledger_seal_all()
    assert services.ledger_verify().ok
