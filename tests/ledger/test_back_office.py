from __future__ import annotations

import pytest
from django.test import Client

from apps.ledger.models import Entry
from apps.ops.models import AuditLog
from tests.ledger.factories import funded_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(django_user_model) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("op", "op@example.com", "long-enough-pw"))
    return client


def test_an_operator_adjustment_is_a_new_audited_entry(operator, tenant):
    # given
    account = funded_account(tenant, 1_000)
    # when
    response = operator.post("/admin/ledger/account/adjust/", {"account": account.pk, "amount": -250,
                                                               "reason": "duplicate credit on 2026-11-02"})
    # then
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.balance == 750
    entry = Entry.objects.get(kind="adjustment")
    assert entry.metadata["reason"] == "duplicate credit on 2026-11-02"
    log = AuditLog.objects.get(action="ledger.adjustment")
    assert log.after["amount"] == -250 and log.actor_label == "operator:op"


def test_an_adjustment_needs_a_reason_and_respects_the_floor(operator, tenant):
    # given
    account = funded_account(tenant, 100)
    # when
    no_reason = operator.post("/admin/ledger/account/adjust/", {"account": account.pk, "amount": 5, "reason": ""})
    overdraw = operator.post("/admin/ledger/account/adjust/", {"account": account.pk, "amount": -101,
                                                               "reason": "too much, must be refused"})
    # then
    assert no_reason.status_code == overdraw.status_code == 200
    assert "Insufficient funds" in overdraw.content.decode()
    assert not Entry.objects.filter(kind="adjustment").exists()


def test_ledger_history_is_read_only_in_the_back_office(operator, tenant):
    # given
    funded_account(tenant, 10)
    entry = Entry.objects.first()
    # when
    change = operator.post(f"/admin/ledger/entry/{entry.pk}/change/", {"kind": "transfer"})
    delete = operator.post(f"/admin/ledger/entry/{entry.pk}/delete/", {"post": "yes"})
    # then
    assert change.status_code == 403 and delete.status_code == 403
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_the_portal_shows_balances_in_whole_units_for_members_only(tenant, other_tenant, make_member):
    # given
    mine, theirs = funded_account(tenant, 1_234_500), funded_account(other_tenant, 7)
    client = Client()
    client.force_login(make_member(tenant, role="viewer"))
    # when
    page = client.get("/ledger/")
    foreign = client.get(f"/ledger/?account={theirs.pk}")
    # then
    assert "1,234.500" in page.content.decode()
    assert foreign.status_code == 404
    assert mine.pk
