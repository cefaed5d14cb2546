from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from apps.ledger import services
from apps.ledger.domain import content_hash
from apps.ledger.models import ChainHead, Entry
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


def test_it_detects_two_sealed_entries_swapped_in_the_chain(history):
    # given: the seals of two neighbours exchange their places
    first, second = history[1], history[2]
    _tamper(f"UPDATE ledger_seal SET seq = -seq WHERE entry_id IN ({first.pk}, {second.pk})", "ledger_seal")
    _tamper(f"UPDATE ledger_seal SET seq = CASE entry_id WHEN {first.pk} THEN {second.seq} ELSE {first.seq} END "
            f"WHERE entry_id IN ({first.pk}, {second.pk})", "ledger_seal")
    # when
    report = services.ledger_verify()
    # then
    assert not report.ok and report.first_broken_seq == first.seq
    assert any("broken chain link" in p for p in report.problems)


def test_it_detects_a_gap_left_by_a_deleted_seal(history):
    # given: a seal row removed, its entry left in place
    target = history[2]
    _tamper(f"DELETE FROM ledger_outboxevent WHERE entry_id = {target.pk}", "ledger_outboxevent")
    _tamper(f"DELETE FROM ledger_seal WHERE entry_id = {target.pk}", "ledger_seal")
    # when
    report = services.ledger_verify()
    # then
    assert not report.ok and report.first_broken_seq == target.seq
    assert any(f"entry seq {target.seq} is missing" in p for p in report.problems)


def test_it_detects_an_entry_row_altered_after_sealing(history):
    # given
    target = history[3]
    _tamper(f"UPDATE ledger_entry SET actor = 'someone else' WHERE id = {target.pk}", "ledger_entry")
    # when
    report = services.ledger_verify()
    # then
    assert not report.ok and report.first_broken_seq == target.seq
    assert any("content does not match" in p for p in report.problems)


def test_it_detects_an_entry_inserted_into_the_sealed_range(history, tenant):
    # given: a forged entry with a consistent content hash, dated among sealed ones and written by a transaction
    # below the sealer's frontier, whose postings leave every balance as it was (a debit and a credit on one account)
    model = history[1]
    frontier = ChainHead.objects.get(pk=1).frontier
    account = model.postings.order_by("id").first().account_id
    fields = {"tenant": tenant.pk, "scope": str(tenant.pk), "client_id": "forged", "kind": "transfer",
              "actor": "intruder", "reverses": None, "hold": None, "metadata": {}, "request_hash": "f" * 64}
    legs = [(account, "CEU", -5, "posted"), (account, "CEU", 5, "posted")]
    digest = content_hash(seqless=fields, postings=legs, created_at=model.created_at)
    with as_table_owner(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_entry (id, tenant_id, scope, client_id, kind, actor, metadata, request_hash, "
            "content_hash, created_at, txid) VALUES (%s, %s, %s, 'forged', 'transfer', 'intruder', '{}', %s, %s, %s, "
            "%s) RETURNING id", [history[-1].pk + 100, tenant.pk, str(tenant.pk), "f" * 64, digest, model.created_at,
                                 frontier - 1])
        (forged,) = cursor.fetchone()
        for amount in (-5, 5):
            cursor.execute("INSERT INTO ledger_posting (entry_id, tenant_id, account_id, asset_id, amount, phase, "
                           "balance_after, created_at) VALUES (%s, %s, %s, 'CEU', %s, 'posted', 0, %s)",
                           [forged, tenant.pk, account, amount, model.created_at])
    # when
    report = services.ledger_verify()
    # then
    assert not report.ok
    assert report.problems == [f"unsealed entry id {forged} lies below the sealer's frontier: inserted behind the "
                               "sealer's back"]
