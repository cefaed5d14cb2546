"""A local Stripe stand-in (see server.py) for tests and for demos without a Stripe account."""
from __future__ import annotations

from .server import StripeStandIn, decode_form, event_payload, sign

__all__ = ["StripeStandIn", "decode_form", "event_payload", "sign"]
