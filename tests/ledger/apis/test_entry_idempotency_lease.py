"""Ledger entries commit in the group commit, outside the request's transaction (`idempotency_atomic = False`). A
request killed after its entry committed but before its response was stored leaves a claim; once the lease has run
out the next request runs again, and the entry's client id makes the ledger answer with the same entry."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.idempotency import request_fingerprint
from apps.core.models import IdempotencyRecord
from apps.ledger.models import Entry
from tests.ledger.factories import funded_account

pytestmark = pytest.mark.django_db
PATH = "/api/v1/ledger/entries/"


def test_a_lapsed_claim_whose_entry_committed_answers_that_entry_once(api, tenant, other_tenant):
    # given: the entry committed, and its request died before storing the response
    payer, payee = funded_account(tenant, 5_000), funded_account(other_tenant)
    body = {"client_id": "inv-9", "postings": [{"account": payer.pk, "amount": -200},
                                               {"account": payee.pk, "amount": 200}]}
    committed = api.post(PATH, body, format="json").json()
    IdempotencyRecord.objects.create(
        tenant=tenant, key="dead", method="POST", path=PATH, owner="killed-request",
        request_hash=request_fingerprint("POST", PATH, json.dumps(body).encode()),
        lease_expires_at=timezone.now() - timedelta(seconds=1))
    # when
    retry = api.post(PATH, body, format="json", HTTP_IDEMPOTENCY_KEY="dead")
    replay = api.post(PATH, body, format="json", HTTP_IDEMPOTENCY_KEY="dead")
    # then
    assert retry.status_code == 200 and retry.json()["id"] == committed["id"]
    assert replay["Idempotent-Replayed"] == "true" and replay.json()["id"] == committed["id"]
    assert Entry.objects.filter(client_id="inv-9").count() == 1
