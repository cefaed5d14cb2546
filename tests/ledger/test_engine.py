"""What keeps a ledger call cheap (docs/ledger.md "Where a transfer's time goes"): the ledger functions plan their
statements once per session, and the engine's calls are prepared statements while Django's own queries are not."""
from __future__ import annotations

import pytest
from django.db import connection

from apps.core import db
from apps.ledger import engine, services
from apps.ledger.models import Account, Entry
from tests.ledger.factories import ACTOR, funded_account

pytestmark = pytest.mark.django_db


def _prepared(fragment: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{fragment}%"])
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize("function", ["ledger_transfer", "ledger_apply"])
def test_the_ledger_functions_plan_their_statements_once_per_session(function):
    # given: a custom plan per call re-planned every statement of every call, with the arrays as constants
    # when
    with connection.cursor() as cursor:
        cursor.execute("SELECT proconfig FROM pg_proc WHERE proname = %s", [function])
        (config,) = cursor.fetchone()
    # then
    assert "plan_cache_mode=force_generic_plan" in (config or [])


def test_the_sealer_keeps_custom_plans_for_its_frontier():
    # given: its candidate scan needs the frontier's value to choose the txid index
    # when
    with connection.cursor() as cursor:
        cursor.execute("SELECT proconfig FROM pg_proc WHERE proname = 'ledger_seal'")
        (config,) = cursor.fetchone()
    # then
    assert config is None


def test_a_transfer_and_a_batch_run_as_prepared_statements(tenant, other_tenant):
    # given
    src, dst = funded_account(tenant, 10_000), funded_account(other_tenant)
    # when
    services.transfer_create(actor=ACTOR, tenant=tenant, client_id="p-1", debit_account_id=src.pk,
                             credit_account_id=dst.pk, amount=10)
    services.transfers_create_batch(actor=ACTOR, tenant=tenant, transfers=[
        {"client_id": f"pb-{i}", "debit_account_id": src.pk, "credit_account_id": dst.pk, "amount": 1}
        for i in range(3)])
    # then
    assert _prepared("ledger_transfer(") and _prepared("ledger_apply(")


def test_django_queries_on_the_same_connection_stay_unprepared(tenant):
    # given: the engine raised the connection's prepare threshold out of reach instead of enabling it
    funded_account(tenant, 100)
    engine.account_info(set(Account.objects.values_list("pk", flat=True)), fresh=True)
    # when
    for _ in range(10):
        list(Entry.objects.filter(kind="no-such-kind").values_list("pk", flat=True))
    # then
    assert connection.connection.prepare_threshold == db.EXPLICIT_ONLY
    assert not _prepared("no-such-kind") and not _prepared('FROM "ledger_entry"')
