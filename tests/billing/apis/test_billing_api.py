from __future__ import annotations

import pytest

from apps.billing.models import Purchase
from tests.billing.factories import open_purchase

pytestmark = pytest.mark.django_db

URLS = {"success_url": "https://erp.example/paid/{PURCHASE_ID}", "cancel_url": "https://erp.example/cancelled"}


def test_packs_are_listed_for_every_tenant(api, pack):
    # when
    body = api.get("/api/v1/billing/packs/").json()
    # then
    assert body == [{"id": pack.pk, "name": "Starter", "ceu_amount": 10_000_000, "price_cents": 1_000,
                     "currency": "usd"}]


def test_a_checkout_needs_an_idempotency_key_and_replays_the_same_session(api, pack, stripe_standin):
    # given
    body = {"pack": pack.pk, **URLS}
    # when
    keyless = api.post("/api/v1/billing/checkout-sessions/", body, format="json")
    first = api.post("/api/v1/billing/checkout-sessions/", body, format="json", HTTP_IDEMPOTENCY_KEY="buy-1")
    again = api.post("/api/v1/billing/checkout-sessions/", body, format="json", HTTP_IDEMPOTENCY_KEY="buy-1")
    # then
    assert keyless.status_code == 400
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert first.json()["checkout_url"].startswith(stripe_standin.base_url + "/pay/cs_test_")
    assert Purchase.objects.count() == 1 and len(stripe_standin.sessions) == 1


def test_a_read_only_key_cannot_buy(api_client_for, tenant, pack, stripe_standin):
    # given
    reader = api_client_for(tenant, scopes=("read",))
    # when
    response = reader.post("/api/v1/billing/checkout-sessions/", {"pack": pack.pk, **URLS}, format="json",
                           HTTP_IDEMPOTENCY_KEY="k")
    # then
    assert response.status_code == 403 and not Purchase.objects.exists()


def test_an_unknown_pack_is_a_field_error(api, stripe_standin):
    # when
    response = api.post("/api/v1/billing/checkout-sessions/", {"pack": 999, **URLS}, format="json",
                        HTTP_IDEMPOTENCY_KEY="k")
    # then
    assert response.status_code == 400 and "pack" in response.json()["extra"]["fields"]


def test_purchases_and_receipts_are_the_tenants_own(api, other_api, other_tenant, pack, stripe_standin, deliver):
    # given
    theirs = open_purchase(other_tenant, pack)
    deliver("checkout.session.completed", stripe_standin.pay(theirs.stripe_session_id))
    # when
    detail = api.get(f"/api/v1/billing/purchases/{theirs.pk}/")
    reconcile = api.post(f"/api/v1/billing/purchases/{theirs.pk}/reconcile/")
    # then
    assert detail.status_code == reconcile.status_code == 404
    assert api.get("/api/v1/billing/purchases/").json()["results"] == []
    assert api.get("/api/v1/billing/receipts/").json()["results"] == []
    assert other_api.get("/api/v1/billing/receipts/").json()["results"][0]["amount_cents"] == 1_000


def test_the_webhook_needs_no_api_key_but_a_signature(client, stripe_standin):
    # when
    response = client.post("/api/v1/billing/stripe/webhook/", data=b"{}", content_type="application/json")
    # then: refused for the missing signature (400), not for authentication (401/403)
    assert response.status_code == 400 and response.json()["code"] == "bad_signature"
