"""Verify a Thermodynasty webhook: `Thermo-Signature: t=<unix>,v2=<hex>` where the hex is
HMAC-SHA256(secret, "<t>.<Thermo-Event-Id>.<raw body>"). The event id is signed, so a replay under a new id fails."""
from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping

DEFAULT_TOLERANCE = 300


class SignatureError(Exception):
    """The webhook must be refused (answer 400): bad, stale or replayed."""


def _digest(secret: str, timestamp: int, event_id: str, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.{event_id}.".encode() + body, hashlib.sha256).hexdigest()


def verify_webhook(secret: str, headers: Mapping[str, str], body: bytes, *, seen: Callable[[str], bool],
                   tolerance: int = DEFAULT_TOLERANCE, now: float | None = None) -> str:
    """Returns the event id when the webhook is authentic, fresh and new; raises SignatureError otherwise.

    `headers` is the request's headers (any case); `body` the raw bytes as received; `seen(event_id)` records the
    id and returns True if it was recorded before (use a store with a TTL of at least `tolerance` seconds).

    >>> body = b'{"event": "alert.created"}'
    >>> t = 1_800_000_000
    >>> sig = "t=%d,v2=%s" % (t, _digest("whsec_x", t, "evt_1", body))
    >>> store = set()
    >>> verify_webhook("whsec_x", {"Thermo-Signature": sig, "Thermo-Event-Id": "evt_1"}, body,
    ...                seen=lambda i: i in store or store.add(i), now=t)
    'evt_1'
    """
    lower = {k.lower(): v for k, v in headers.items()}
    header, event_id = lower.get("thermo-signature", ""), lower.get("thermo-event-id", "")
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError) as exc:
        raise SignatureError("malformed Thermo-Signature header") from exc
    if not event_id or not hmac.compare_digest(_digest(secret, timestamp, event_id, body), parts.get("v2", "")):
        raise SignatureError("signature mismatch")
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance window")
    if seen(event_id):
        raise SignatureError("replayed event id")
    return event_id
