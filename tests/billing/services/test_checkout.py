from __future__ import annotations

import pytest

from apps.billing import services
from apps.billing.models import Purchase
from apps.core.errors import ApplicationError
from apps.ledger.models import Account
from tests.billing.factories import ACTOR, open_purchase
from tests.ledger.factories import funded_account

pytestmark = pytest.mark.django_db


def test_a_checkout_session_is_created_through_stripes_library(tenant, pack, stripe_standin):
    # when
    purchase = open_purchase(tenant, pack)
    # then
    session = stripe_standin.sessions[purchase.stripe_session_id]
    assert purchase.status == "open" and purchase.checkout_url == session["url"]
    assert session["amount_total"] == 1_000 and session["currency"] == "usd"
    assert session["client_reference_id"] == str(purchase.pk)
    assert session["success_url"] == f"https://app.example/billing/return/{purchase.pk}/"
    assert ("POST", "/v1/checkout/sessions") in stripe_standin.requests
    assert stripe_standin.idempotent.keys() == {f"purchase-{purchase.pk}"}


def test_a_refusing_provider_fails_the_purchase_with_a_502(tenant, pack, stripe_standin, settings):
    # given
    settings.STRIPE_SECRET_KEY = "sk_test_wrong"
    # when
    with pytest.raises(ApplicationError) as refused:
        open_purchase(tenant, pack)
    # then
    assert refused.value.status == 502 and "Invalid API Key" in refused.value.message
    assert Purchase.objects.get().status == "failed"


def test_without_a_stripe_key_payments_are_not_configured(tenant, pack, settings):
    # given
    settings.STRIPE_SECRET_KEY = ""
    # when
    with pytest.raises(ApplicationError) as refused:
        open_purchase(tenant, pack)
    # then: nothing is left behind, not even a failed purchase
    assert refused.value.status == 503 and refused.value.code == "payments_not_configured"
    assert not Purchase.objects.exists()


def test_an_inactive_pack_cannot_be_bought(tenant, pack, stripe_standin):
    # given
    pack.is_active = False
    pack.save()
    # when
    with pytest.raises(ApplicationError) as refused:
        open_purchase(tenant, pack)
    # then
    assert refused.value.code == "unknown_pack" and not Purchase.objects.exists()


def test_reconciling_a_paid_session_credits_once_without_waiting_for_the_webhook(tenant, pack, stripe_standin):
    # given
    purchase = open_purchase(tenant, pack)
    stripe_standin.pay(purchase.stripe_session_id)
    # when
    first = services.purchase_reconcile(actor=ACTOR, tenant=tenant, purchase_id=purchase.pk)
    second = services.purchase_reconcile(actor=ACTOR, tenant=tenant, purchase_id=purchase.pk)
    # then
    assert first.status == second.status == "paid"
    assert Account.objects.get(tenant=tenant, asset_id="CEU").balance == pack.ceu_amount
    assert first.receipts.get().number == f"R-{first.credit_entry_id:08d}"


def test_an_unpaid_session_is_not_credited_by_reconciling(tenant, pack, stripe_standin):
    # given
    purchase = open_purchase(tenant, pack)
    account = funded_account(tenant)
    # when
    result = services.purchase_reconcile(actor=ACTOR, tenant=tenant, purchase_id=purchase.pk)
    # then
    account.refresh_from_db()
    assert result.status == "open" and account.balance == 0
