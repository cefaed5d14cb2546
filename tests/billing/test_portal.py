from __future__ import annotations

import pytest

from apps.billing.models import Purchase
from tests.billing.factories import open_purchase

pytestmark = pytest.mark.django_db


def test_buy_redirects_to_stripe_checkout_and_the_return_page_credits(client_for, tenant, make_member, pack,
                                                                      stripe_standin):
    # given
    client = client_for(make_member(tenant, role="owner"))
    # when
    bought = client.post(f"/billing/checkout/{pack.pk}/")
    purchase = Purchase.objects.get()
    session = stripe_standin.sessions[purchase.stripe_session_id]
    stripe_standin.pay(purchase.stripe_session_id)
    returned = client.get(f"/billing/return/{purchase.pk}/", follow=True)
    # then
    assert bought.status_code == 302 and bought["Location"] == session["url"]
    assert session["success_url"] == f"http://testserver/billing/return/{purchase.pk}/"
    page = returned.content.decode()
    assert "10,000.000 CEU credited" in page and 'data-testid="receipt-row"' in page
    assert 'data-testid="ceu-available">10,000.000<' in page


def test_a_viewer_sees_packs_but_cannot_buy(client_for, tenant, make_member, pack):
    # given
    client = client_for(make_member(tenant, role="viewer"))
    # when
    page = client.get("/billing/").content.decode()
    refused = client.post(f"/billing/checkout/{pack.pk}/")
    # then
    assert "Starter" in page and f'data-testid="buy-{pack.pk}"' not in page
    assert refused.status_code == 403


def test_another_tenants_receipt_is_404(client_for, tenant, other_tenant, make_member, pack, stripe_standin, deliver):
    # given
    theirs = open_purchase(other_tenant, pack)
    deliver("checkout.session.completed", stripe_standin.pay(theirs.stripe_session_id))
    receipt = theirs.receipts.get()
    client = client_for(make_member(tenant))
    # when / then
    assert client.get(f"/billing/receipts/{receipt.pk}/").status_code == 404
    assert client.get(f"/billing/return/{theirs.pk}/").status_code == 404


def test_cancel_at_checkout_shows_a_message_and_closes_the_purchase(client_for, tenant, make_member, pack,
                                                                    stripe_standin):
    # given
    client = client_for(make_member(tenant, role="owner"))
    client.post(f"/billing/checkout/{pack.pk}/")
    purchase = Purchase.objects.get()
    cancel_url = stripe_standin.sessions[purchase.stripe_session_id]["cancel_url"]
    # when: the stand-in's Cancel button sends the buyer to cancel_url, as Stripe does
    page = client.get(cancel_url.removeprefix("http://testserver"), follow=True).content.decode()
    # then
    assert cancel_url == f"http://testserver/billing/cancel/{purchase.pk}/"
    assert f"Checkout cancelled: purchase #{purchase.pk} is closed" in page
    assert Purchase.objects.get().status == "cancelled"
    assert stripe_standin.sessions[purchase.stripe_session_id]["status"] == "expired"


def test_the_stand_in_is_labelled_test_mode_on_the_buy_page(client_for, tenant, make_member, pack, stripe_standin):
    # given
    client = client_for(make_member(tenant, role="owner"))
    # when
    page = client.get("/billing/").content.decode()
    # then
    assert 'data-testid="payments-test-mode"' in page and "TEST MODE" in page and "no card is charged" in page


def test_without_stripe_keys_the_buy_page_says_so_and_a_buy_stores_nothing(client_for, tenant, make_member, pack,
                                                                           settings):
    # given
    settings.STRIPE_SECRET_KEY = ""
    client = client_for(make_member(tenant, role="owner"))
    # when
    page = client.get("/billing/").content.decode()
    refused = client.post(f"/billing/checkout/{pack.pk}/", follow=True).content.decode()
    # then
    assert 'data-testid="payments-off"' in page and f'data-testid="buy-{pack.pk}"' not in page
    assert "Card payments are not configured" in refused and not Purchase.objects.exists()
