"""Webhook signatures, Stripe-style: header `Thermo-Signature: t=<unix seconds>,v1=<hex>` where the hex is
HMAC-SHA256(secret, "<t>.<raw body>"). Receivers check the signature in constant time, refuse timestamps outside a
tolerance window, and refuse an event id they have already seen (replays)."""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import time
from typing import Callable
from urllib.parse import urlsplit

from django.conf import settings

from apps.core.errors import ApplicationError
from apps.signals.errors import SignalErrorCode

SIGNATURE_HEADER = "Thermo-Signature"
EVENT_ID_HEADER = "Thermo-Event-Id"
DEFAULT_TOLERANCE = 300  # seconds


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


class SignatureError(Exception):
    pass


def verify(secret: str, header: str, body: bytes, *, event_id: str, seen: Callable[[str], bool],
           tolerance: int = DEFAULT_TOLERANCE, now: float | None = None) -> None:
    """Raises SignatureError unless the signature is valid, fresh, and the event id is new. `seen(event_id)`
    records the id and says whether it was already recorded."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError) as exc:
        raise SignatureError("malformed signature header") from exc
    expected = sign(secret, body, timestamp).split("v1=")[1]
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        raise SignatureError("signature mismatch")
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance window")
    if seen(event_id):
        raise SignatureError("replayed event id")


def check_url(url: str) -> None:
    """Only http(s); and unless WEBHOOK_ALLOW_PRIVATE, never an address inside our network (SSRF)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApplicationError("Webhook URLs are http(s) URLs.", code=SignalErrorCode.WEBHOOK_URL,
                               extra={"fields": {"url": ["Use an http:// or https:// URL."]}})
    if getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False):
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except socket.gaierror as exc:
        raise ApplicationError("The webhook host does not resolve.", code=SignalErrorCode.WEBHOOK_URL,
                               extra={"fields": {"url": ["Host not found."]}}) from exc
    if any(not ipaddress.ip_address(a).is_global for a in addresses):
        raise ApplicationError("Webhook URLs must point to a public address.", code=SignalErrorCode.WEBHOOK_URL,
                               extra={"fields": {"url": ["Private, loopback and link-local addresses are refused."]}})
