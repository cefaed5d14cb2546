"""Webhook signatures: header `Thermo-Signature: t=<unix seconds>,v2=<hex>` where the hex is
HMAC-SHA256(secret, "<t>.<event id>.<raw body>"), and header `Thermo-Event-Id: <event id>`. The event id is inside
the signed data, so a replay under a fresh id no longer verifies (v1 signed only "<t>.<body>" and left the id
outside, which let a replay with a new id pass a receiver's seen-id check). Receivers check the signature in
constant time, refuse timestamps outside a tolerance window, and refuse an event id they have already seen."""
from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator

from apps.core.errors import ApplicationError
from apps.signals.errors import SignalErrorCode
from apps.signals.webhook_http import DestinationRefused, resolve

SIGNATURE_HEADER = "Thermo-Signature"
EVENT_ID_HEADER = "Thermo-Event-Id"
SCHEME = "v2"
DEFAULT_TOLERANCE = 300  # seconds
_PUBLIC_ONLY = "The host must resolve, and only to public addresses; private, loopback and link-local ones are refused."


def _digest(secret: str, timestamp: int, event_id: str, body: bytes) -> str:
    signed = f"{timestamp}.{event_id}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, event_id: str, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},{SCHEME}={_digest(secret, t, event_id, body)}"


class SignatureError(Exception):
    pass


def verify(secret: str, header: str, body: bytes, *, event_id: str, seen: Callable[[str], bool],
           tolerance: int = DEFAULT_TOLERANCE, now: float | None = None) -> None:
    """Raises SignatureError unless the signature over (timestamp, event id, body) is valid, fresh, and the event
    id is new. `event_id` is the `Thermo-Event-Id` header; it is trusted only because it is signed. `seen(event_id)`
    records the id and says whether it was already recorded; it runs only after the signature checked out, so an
    attacker cannot fill the store with ids."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError) as exc:
        raise SignatureError("malformed signature header") from exc
    if not hmac.compare_digest(_digest(secret, timestamp, event_id, body), parts.get(SCHEME, "")):
        raise SignatureError("signature mismatch")
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance window")
    if seen(event_id):
        raise SignatureError("replayed event id")


def check_url(url: str) -> None:
    """At creation: only http(s), and unless WEBHOOK_ALLOW_PRIVATE, only hosts that resolve to public addresses.
    Deliveries check again (apps/signals/webhook_http.py); this check only gives early, field-level feedback. One
    message for "does not resolve" and "resolves inside": telling them apart would map our internal DNS."""
    if not url.lower().startswith(("http://", "https://")):
        raise ApplicationError("Webhook URLs are http(s) URLs.", code=SignalErrorCode.WEBHOOK_URL,
                               extra={"fields": {"url": ["Use an http:// or https:// URL."]}})
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError as exc:
        raise ApplicationError("This is not a valid URL.", code=SignalErrorCode.WEBHOOK_URL,
                               extra={"fields": {"url": ["Enter a valid URL."]}}) from exc
    try:
        resolve(url)
    except DestinationRefused as exc:
        raise ApplicationError("Webhook URLs must resolve to public addresses only.",
                               code=SignalErrorCode.WEBHOOK_URL,
                               extra={"fields": {"url": [_PUBLIC_ONLY]}}) from exc
