from __future__ import annotations

from typing import Any

from apps.billing import services
from apps.billing.models import Purchase
from apps.core.actors import Actor

ACTOR = Actor.system("test")


def open_purchase(tenant: Any, pack: Any) -> Purchase:
    """A purchase with a real (stand-in) Checkout session, as the Buy button makes it."""
    return services.checkout_start(actor=ACTOR, tenant=tenant, pack_id=pack.pk,
                                   success_url="https://app.example/billing/return/{PURCHASE_ID}/",
                                   cancel_url="https://app.example/billing/")
