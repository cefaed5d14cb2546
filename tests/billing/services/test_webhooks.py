from __future__ import annotations

import time

import pytest

from apps.billing.models import Purchase, Receipt, StripeEvent
from apps.ledger.models import Account, Entry
from apps.ledger.services import ledger_verify, system_account, transfer_create
from tests.billing.factories import ACTOR, open_purchase
from tests.ledger.factories import funded_account

pytestmark = pytest.mark.django_db


def _ceu(tenant) -> int:
    account = Account.objects.filter(tenant=tenant, asset_id="CEU", code="main").first()
    return account.balance if account else 0


def _paid(tenant, pack, stripe_standin, deliver) -> Purchase:
    purchase = open_purchase(tenant, pack)
    response = deliver("checkout.session.completed", stripe_standin.pay(purchase.stripe_session_id))
    assert response.status_code == 200, response.content
    purchase.refresh_from_db()
    return purchase


def test_a_paid_session_credits_ceu_from_payment_clearing_with_a_receipt(tenant, pack, stripe_standin, deliver):
    # given
    clearing_before = system_account(asset="CEU", code="payment_clearing").balance
    # when
    purchase = _paid(tenant, pack, stripe_standin, deliver)
    # then
    entry = Entry.objects.get(pk=purchase.credit_entry_id)
    assert purchase.status == "paid" and purchase.payment_intent.startswith("pi_")
    assert _ceu(tenant) == pack.ceu_amount
    assert system_account(asset="CEU", code="payment_clearing").balance == clearing_before - pack.ceu_amount
    assert entry.kind == "issue" and entry.client_id == f"issue:{tenant.pk}:stripe:{purchase.stripe_session_id}"
    receipt = Receipt.objects.get(purchase=purchase)
    assert (receipt.kind, receipt.amount_cents, receipt.ceu_amount) == ("receipt", 1_000, pack.ceu_amount)
    assert StripeEvent.objects.get().outcome == "credited"
    assert ledger_verify().ok


def test_a_bad_signature_is_refused_and_changes_nothing(tenant, pack, stripe_standin, deliver):
    # given
    purchase = open_purchase(tenant, pack)
    session = stripe_standin.pay(purchase.stripe_session_id)
    # when
    response = deliver("checkout.session.completed", session, secret="whsec_forged")
    # then
    assert response.status_code == 400 and response.json()["code"] == "bad_signature"
    assert not StripeEvent.objects.exists() and _ceu(tenant) == 0


def test_a_tampered_body_is_refused(tenant, pack, stripe_standin, deliver):
    # given
    purchase = open_purchase(tenant, pack)
    from tools.stripe_standin import event_payload, sign

    body = event_payload("checkout.session.completed", stripe_standin.pay(purchase.stripe_session_id))
    header = sign(body, "whsec_test_secret")
    # when
    from django.test import Client

    response = Client().post("/api/v1/billing/stripe/webhook/", data=body.replace(b"1000", b"9000"),
                             content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    # then
    assert response.status_code == 400 and response.json()["code"] == "bad_signature"
    assert _ceu(tenant) == 0


@pytest.mark.parametrize("offset", [-301, 3_600, -86_400])
def test_a_timestamp_outside_the_tolerance_is_refused_and_changes_nothing(tenant, pack, stripe_standin, deliver,
                                                                          offset):
    # given
    purchase = open_purchase(tenant, pack)
    session = stripe_standin.pay(purchase.stripe_session_id)
    # when
    response = deliver("checkout.session.completed", session, timestamp=int(time.time()) + offset)
    # then
    assert response.status_code == 400 and response.json()["code"] == "stale_timestamp"
    assert not StripeEvent.objects.exists() and _ceu(tenant) == 0


def test_a_replayed_event_id_is_acknowledged_and_changes_nothing(tenant, pack, stripe_standin, deliver):
    # given
    purchase = open_purchase(tenant, pack)
    session = stripe_standin.pay(purchase.stripe_session_id)
    first = deliver("checkout.session.completed", session, event_id="evt_once")
    # when
    replay = deliver("checkout.session.completed", session, event_id="evt_once")
    # then
    assert first.json()["outcome"] == "credited" and first.json()["duplicate"] is False
    assert replay.status_code == 200 and replay.json() == {"received": True, "event": "evt_once",
                                                           "type": "checkout.session.completed",
                                                           "outcome": "duplicate", "duplicate": True}
    assert StripeEvent.objects.count() == 1 and _ceu(tenant) == pack.ceu_amount


def test_two_different_events_for_one_paid_session_credit_once(tenant, pack, stripe_standin, deliver):
    # given
    purchase = open_purchase(tenant, pack)
    session = stripe_standin.pay(purchase.stripe_session_id)
    # when
    completed = deliver("checkout.session.completed", session)
    succeeded = deliver("checkout.session.async_payment_succeeded", session)
    # then
    assert completed.json()["outcome"] == "credited" and succeeded.json()["outcome"] == "already_credited"
    assert _ceu(tenant) == pack.ceu_amount and Receipt.objects.count() == 1


def test_a_refund_reverses_the_credit_with_a_credit_note(tenant, pack, stripe_standin, deliver):
    # given
    purchase = _paid(tenant, pack, stripe_standin, deliver)
    # when
    response = deliver("charge.refunded", stripe_standin.charge_of(purchase.stripe_session_id, refunded=1_000))
    # then
    purchase.refresh_from_db()
    reversal = Entry.objects.get(pk=purchase.reversal_entry_id)
    assert response.json()["outcome"] == "reversed" and purchase.status == "refunded"
    assert reversal.kind == "reversal" and reversal.reverses_id == purchase.credit_entry_id
    assert _ceu(tenant) == 0
    note = Receipt.objects.get(kind="credit_note")
    assert (note.amount_cents, note.ceu_amount) == (-1_000, -pack.ceu_amount)
    assert ledger_verify().ok


def test_a_dispute_reverses_and_a_won_dispute_credits_again(tenant, pack, stripe_standin, deliver):
    # given
    purchase = _paid(tenant, pack, stripe_standin, deliver)
    # when
    opened = deliver("charge.dispute.created", stripe_standin.dispute_of(purchase.stripe_session_id))
    after_dispute = _ceu(tenant)
    won = deliver("charge.dispute.closed", stripe_standin.dispute_of(purchase.stripe_session_id, status="won"))
    # then
    purchase.refresh_from_db()
    assert opened.json()["outcome"] == "reversed" and after_dispute == 0
    assert won.json()["outcome"] == "recredited" and purchase.status == "paid"
    assert _ceu(tenant) == pack.ceu_amount
    assert ledger_verify().ok


def test_a_refund_after_the_ceu_were_spent_goes_to_review_without_breaking_the_floor(tenant, other_tenant, pack,
                                                                                     stripe_standin, deliver):
    # given
    purchase = _paid(tenant, pack, stripe_standin, deliver)
    account = Account.objects.get(tenant=tenant, asset_id="CEU", code="main")
    elsewhere = funded_account(other_tenant)
    transfer_create(actor=ACTOR, tenant=tenant, client_id="spend", debit_account_id=account.pk,
                    credit_account_id=elsewhere.pk, amount=pack.ceu_amount)
    # when
    response = deliver("charge.refunded", stripe_standin.charge_of(purchase.stripe_session_id, refunded=1_000))
    # then
    purchase.refresh_from_db()
    assert response.status_code == 200 and response.json()["outcome"] == "reversal_blocked"
    assert purchase.status == "review" and "Insufficient funds" in purchase.status_reason
    assert _ceu(tenant) == 0 and not Entry.objects.filter(kind="reversal").exists()
    assert ledger_verify().ok


def test_a_partial_refund_is_recorded_for_operators(tenant, pack, stripe_standin, deliver):
    # given
    purchase = _paid(tenant, pack, stripe_standin, deliver)
    # when
    response = deliver("charge.refunded", stripe_standin.charge_of(purchase.stripe_session_id, refunded=300))
    # then
    purchase.refresh_from_db()
    assert response.json()["outcome"] == "partial_refund_recorded"
    assert purchase.status == "paid" and purchase.refunded_cents == 300 and _ceu(tenant) == pack.ceu_amount


def test_a_session_paid_with_a_different_amount_is_not_credited(tenant, pack, stripe_standin, deliver):
    # given
    purchase = open_purchase(tenant, pack)
    session = {**stripe_standin.pay(purchase.stripe_session_id), "amount_total": 1}
    # when
    response = deliver("checkout.session.completed", session)
    # then
    purchase.refresh_from_db()
    assert response.json()["outcome"] == "amount_mismatch" and purchase.status == "review" and _ceu(tenant) == 0


def test_expired_sessions_and_unknown_events_change_no_balance(tenant, pack, stripe_standin, deliver):
    # given
    purchase = open_purchase(tenant, pack)
    # when
    expired = deliver("checkout.session.expired", stripe_standin.expire(purchase.stripe_session_id))
    unknown = deliver("customer.created", {"id": "cus_1", "object": "customer"})
    stranger = deliver("checkout.session.completed", {"id": "cs_unknown", "payment_status": "paid"})
    # then
    purchase.refresh_from_db()
    assert purchase.status == "expired" and expired.json()["outcome"] == "expired"
    assert unknown.json()["outcome"] == "ignored" and stranger.json()["outcome"] == "unmatched"
    assert StripeEvent.objects.count() == 3 and _ceu(tenant) == 0


def test_a_malformed_body_with_a_valid_signature_is_refused(stripe_standin, deliver):
    # when
    response = deliver("", {}, payload=b'["not", "an", "event"]')
    # then
    assert response.status_code == 400 and response.json()["code"] == "malformed_event"
