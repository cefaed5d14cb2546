from __future__ import annotations

import pytest

from apps.billing import services
from apps.billing import stripe_gateway as gateway
from apps.billing.models import Purchase
from apps.ledger.models import Account
from tests.billing.factories import ACTOR, open_purchase

pytestmark = pytest.mark.django_db


def test_cancelling_closes_the_purchase_and_expires_the_stripe_session(tenant, pack, stripe_standin):
    # given
    purchase = open_purchase(tenant, pack)
    # when
    cancelled = services.purchase_cancel(actor=ACTOR, tenant=tenant, purchase_id=purchase.pk)
    # then
    assert cancelled.status == "cancelled" and cancelled.status_reason == "Cancelled at checkout."
    assert stripe_standin.sessions[purchase.stripe_session_id]["status"] == "expired"
    assert ("POST", f"/v1/checkout/sessions/{purchase.stripe_session_id}/expire") in stripe_standin.requests


def test_cancelling_twice_changes_nothing_the_second_time(tenant, pack, stripe_standin):
    # given
    purchase = open_purchase(tenant, pack)
    services.purchase_cancel(actor=ACTOR, tenant=tenant, purchase_id=purchase.pk)
    calls = len(stripe_standin.requests)
    # when
    again = services.purchase_cancel(actor=ACTOR, tenant=tenant, purchase_id=purchase.pk)
    # then
    assert again.status == "cancelled" and len(stripe_standin.requests) == calls


def test_a_session_paid_before_the_cancel_arrives_is_credited_not_cancelled(tenant, pack, stripe_standin):
    # given: paid in another tab, the webhook not yet in
    purchase = open_purchase(tenant, pack)
    stripe_standin.pay(purchase.stripe_session_id)
    # when
    result = services.purchase_cancel(actor=ACTOR, tenant=tenant, purchase_id=purchase.pk)
    # then
    assert result.status == "paid"
    assert Account.objects.get(tenant=tenant, asset="CEU").balance == pack.ceu_amount


def test_another_tenants_purchase_cannot_be_cancelled(tenant, other_tenant, pack, stripe_standin):
    # given
    theirs = open_purchase(other_tenant, pack)
    # when / then
    with pytest.raises(Purchase.DoesNotExist):
        services.purchase_cancel(actor=ACTOR, tenant=tenant, purchase_id=theirs.pk)
    assert Purchase.objects.get(pk=theirs.pk).status == "open"


@pytest.mark.parametrize(("key", "base", "mode"), [
    ("", "https://api.stripe.com", "off"),
    ("sk_test_standin", "http://127.0.0.1:12111", "standin"),
    ("sk_test_abc", "https://api.stripe.com", "test"),
    ("sk_live_abc", "https://api.stripe.com/", "live"),
])
def test_the_payments_mode_says_whether_a_real_card_is_charged(settings, key, base, mode):
    # given
    settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE = key, base
    # when / then
    assert gateway.payments_mode() == mode
