from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from apps.ledger import services
from apps.ledger.models import Entry
from apps.ledger.services.sealer import ledger_seal_all
from tests.ledger.factories import ACTOR, funded_account
from tests.tenants.roles import as_table_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(tenant, other_tenant):
    src, dst = funded_account(tenant, 1_000), funded_account(other_tenant)
    for i in range(5):
        services.transfer_create(actor=ACTOR, tenant=tenant, client_id=f"v-{i}", debit_account_id=src.pk,
                                 credit_account_id=dst.pk, amount=10 + i)
    ledger_seal_all()
    return list(Entry.objects.select_related("seal").order_by("seal__seq"))


def _tamper(sql: str, table: str) -> None:
    # The table owner can disable the append-only trigger: exactly the attacker the verifier is for.
    with as_table_owner(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses while FK checks are pending
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(sql)
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def test_a_clean_ledger_verifies(history):
    # when
    report = services.ledger_verify()
    # then
    assert report.ok, report.problems
    assert report.entries == len(history)
    assert all(t["balance"] == 0 for t in report.asset_totals.values())


def test_it_detects_an_edited_amount(history):
    # given
    target = history[3]
    _tamper(f"UPDATE ledger_posting SET amount = amount + 5 WHERE entry_id = {target.pk} AND amount > 0",
            "ledger_posting")
    # when
    report = services.ledger_verify()
    # then
    assert not report.ok and report.first_broken_seq == target.seq


def test_it_detects_a_deleted_entry(history):
    # given
    target = history[2]
    _tamper(f"DELETE FROM ledger_outboxevent WHERE entry_id = {target.pk}", "ledger_outboxevent")
    _tamper(f"DELETE FROM ledger_seal WHERE entry_id = {target.pk}", "ledger_seal")
    _tamper(f"DELETE FROM ledger_posting WHERE entry_id = {target.pk}", "ledger_posting")
    _tamper(f"DELETE FROM ledger_entry WHERE id = {target.pk}", "ledger_entry")
    # when
    report = services.ledger_verify()
    # then
    assert not report.ok and report.first_broken_seq == target.seq
    assert any("missing" in p for p in report.problems)


def test_it_detects_a_broken_chain(history):
    # given
    target = history[1]
    _tamper(f"UPDATE ledger_seal SET prev_hash = repeat('a', 64) WHERE entry_id = {target.pk}", "ledger_seal")
    # when
    report = services.ledger_verify()
    # then
    assert not report.ok and report.first_broken_seq == target.seq


def test_it_detects_a_balance_edited_behind_its_back(history, tenant):
    # given
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET balance = balance + 1 WHERE tenant_id = %s", [tenant.pk])
    # when
    report = services.ledger_verify()
    # then
    assert not report.ok
    assert any("differ from its postings" in p for p in report.problems)
    assert any("not conserved" in p for p in report.problems)


def test_the_command_exits_non_zero_naming_the_broken_entry(history):
    # given
    _tamper(f"UPDATE ledger_entry SET metadata = '{{\"x\": 1}}' WHERE id = {history[4].pk}", "ledger_entry")
    # when / then
    with pytest.raises(CommandError, match=f"seq {history[4].seq}"):
        call_command("ledger_verify")
