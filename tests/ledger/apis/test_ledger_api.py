from __future__ import annotations

import pytest

from tests.ledger.factories import funded_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(tenant, other_tenant):
    return funded_account(tenant, 5_000), funded_account(other_tenant)


def test_a_tenant_sees_only_its_accounts(api, accounts):
    # when
    listed = api.get("/api/v1/ledger/accounts/").json()["results"]
    foreign = api.get(f"/api/v1/ledger/accounts/{accounts[1].pk}/")
    # then
    assert [a["id"] for a in listed] == [accounts[0].pk]
    assert listed[0]["balance"] == 5_000 and listed[0]["available"] == 5_000
    assert foreign.status_code == 404


def test_creating_an_entry_and_replaying_it(api, accounts):
    # given
    body = {"client_id": "inv-1", "postings": [{"account": accounts[0].pk, "amount": -200},
                                               {"account": accounts[1].pk, "amount": 200}],
            "metadata": {"invoice": "INV-1"}}
    # when
    created = api.post("/api/v1/ledger/entries/", body, format="json")
    replayed = api.post("/api/v1/ledger/entries/", body, format="json")
    conflict = api.post("/api/v1/ledger/entries/", {**body, "metadata": {"invoice": "INV-2"}}, format="json")
    # then
    assert created.status_code == 201 and replayed.status_code == 200
    assert created.json()["id"] == replayed.json()["id"]
    assert conflict.status_code == 409 and conflict.json()["code"] == "idempotency_conflict"
    found = api.get("/api/v1/ledger/entries/?metadata.invoice=INV-1").json()["results"]
    assert [e["id"] for e in found] == [created.json()["id"]]


def test_an_overdraft_answers_a_clear_error(api, accounts):
    # when
    response = api.post("/api/v1/ledger/entries/", {"client_id": "big", "postings": [
        {"account": accounts[0].pk, "amount": -9_999}, {"account": accounts[1].pk, "amount": 9_999}]},
        format="json")
    # then
    assert response.status_code == 400
    assert response.json()["code"] == "insufficient_funds"
    assert response.json()["extra"]["available"] == 5_000


def test_a_tenant_cannot_debit_another_tenants_account(other_api, accounts):
    # when
    response = other_api.post("/api/v1/ledger/entries/", {"client_id": "steal", "postings": [
        {"account": accounts[0].pk, "amount": -10}, {"account": accounts[1].pk, "amount": 10}]}, format="json")
    # then
    assert response.status_code == 404
    assert response.json()["code"] == "foreign_account"


def test_the_receiver_sees_the_entry_that_credited_it(api, other_api, accounts):
    # given
    api.post("/api/v1/ledger/entries/", {"client_id": "gift", "postings": [
        {"account": accounts[0].pk, "amount": -50}, {"account": accounts[1].pk, "amount": 50}]}, format="json")
    # when
    theirs = other_api.get(f"/api/v1/ledger/entries/?account={accounts[1].pk}").json()["results"]
    # then
    assert [e["client_id"] for e in theirs][:1] == ["gift"]


def test_holds_through_the_api(api, accounts):
    # given
    hold = api.post("/api/v1/ledger/holds/", {"client_id": "h-1", "debit_account": accounts[0].pk,
                                              "credit_account": accounts[1].pk, "amount": 300}, format="json").json()
    # when
    posted = api.post(f"/api/v1/ledger/holds/{hold['id']}/post/", {"amount": 100}, format="json")
    again = api.post(f"/api/v1/ledger/holds/{hold['id']}/void/")
    # then
    assert posted.json()["status"] == "posted" and posted.json()["posted_amount"] == 100
    assert again.status_code == 409
    assert api.get(f"/api/v1/ledger/accounts/{accounts[0].pk}/").json()["balance"] == 4_900


def test_statement_as_csv_and_balance_as_of(api, accounts):
    # given
    from django.utils import timezone

    before = timezone.now()
    api.post("/api/v1/ledger/entries/", {"client_id": "s-1", "postings": [
        {"account": accounts[0].pk, "amount": -1_000}, {"account": accounts[1].pk, "amount": 1_000}]},
        format="json")
    # when
    old = api.get(f"/api/v1/ledger/accounts/{accounts[0].pk}/balance/", {"as_of": before.isoformat()}).json()
    csv_body = api.get(f"/api/v1/ledger/accounts/{accounts[0].pk}/statement/",
                       {"start": before.isoformat(), "end": timezone.now().isoformat(), "output": "csv"})
    # then
    assert old["balance"] == 5_000
    rows = csv_body.content.decode().strip().splitlines()
    assert rows[0].startswith("created_at") and rows[-1].endswith(",4000")


def test_bad_ledger_input_gets_field_errors(api, accounts):
    # when
    response = api.post("/api/v1/ledger/entries/", {"client_id": "x", "postings": [{"account": "a", "amount": 1.5}]},
                        format="json")
    # then
    assert response.status_code == 400
    assert "postings" in response.json()["extra"]["fields"]


def test_a_read_only_key_cannot_move_funds(api_client_for, tenant, accounts):
    # given
    reader = api_client_for(tenant, scopes=("read",))
    # when
    response = reader.post("/api/v1/ledger/entries/", {"client_id": "r", "postings": [
        {"account": accounts[0].pk, "amount": -1}, {"account": accounts[1].pk, "amount": 1}]}, format="json")
    # then
    assert response.status_code == 403
