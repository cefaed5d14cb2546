from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from apps.billing.models import CeuPack
from tools.stripe_standin import StripeStandIn, event_payload, sign

WEBHOOK = "/api/v1/billing/stripe/webhook/"
WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
def stripe_standin(settings: Any) -> Iterator[StripeStandIn]:
    """Stripe's own library, pointed at a local stand-in server; webhooks signed with the test secret."""
    standin = StripeStandIn(api_key="sk_test_standin", webhook_secret=WEBHOOK_SECRET).start()
    settings.STRIPE_SECRET_KEY = standin.api_key
    settings.STRIPE_API_BASE = standin.base_url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_WEBHOOK_TOLERANCE = 300
    yield standin
    standin.stop()


@pytest.fixture
def pack(db: Any) -> CeuPack:
    return CeuPack.objects.create(name="Starter", ceu_amount=10_000_000, price_cents=1_000, currency="usd")


@pytest.fixture
def deliver(stripe_standin: StripeStandIn) -> Callable[..., Any]:
    """POSTs a Stripe event to the webhook endpoint, signed the way Stripe signs it (override to break it)."""

    def send(event_type: str, obj: dict[str, Any], *, event_id: str | None = None, timestamp: int | None = None,
             secret: str = WEBHOOK_SECRET, payload: bytes | None = None, client: Client | None = None) -> Any:
        body = payload or event_payload(event_type, obj, event_id=event_id)
        return (client or Client()).post(WEBHOOK, data=body, content_type="application/json",
                                         HTTP_STRIPE_SIGNATURE=sign(body, secret, timestamp))

    return send
