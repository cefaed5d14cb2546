from __future__ import annotations

import pytest
from django.test import Client

from apps.billing.models import Purchase
from tests.billing.factories import open_purchase

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_buy_redirects_to_stripe_checkout_and_the_return_page_credits(tenant, make_member, pack, stripe_standin):
    # given
    client = _client(make_member(tenant, role="owner"))
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


def test_a_viewer_sees_packs_but_cannot_buy(tenant, make_member, pack):
    # given
    client = _client(make_member(tenant, role="viewer"))
    # when
    page = client.get("/billing/").content.decode()
    refused = client.post(f"/billing/checkout/{pack.pk}/")
    # then
    assert "Starter" in page and f'data-testid="buy-{pack.pk}"' not in page
    assert refused.status_code == 403


def test_another_tenants_receipt_is_404(tenant, other_tenant, make_member, pack, stripe_standin, deliver):
    # given
    theirs = open_purchase(other_tenant, pack)
    deliver("checkout.session.completed", stripe_standin.pay(theirs.stripe_session_id))
    receipt = theirs.receipts.get()
    client = _client(make_member(tenant))
    # when / then
    assert client.get(f"/billing/receipts/{receipt.pk}/").status_code == 404
    assert client.get(f"/billing/return/{theirs.pk}/").status_code == 404
