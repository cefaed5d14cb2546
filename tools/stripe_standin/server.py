"""A local stand-in for the part of Stripe's API the billing app uses, so tests (and `scripts/run.sh` without
Stripe keys, as a labelled test mode) run Stripe's own Python library against a real HTTP server on 127.0.0.1.

Implemented: POST /v1/checkout/sessions (form-encoded like Stripe's library sends it, honouring Idempotency-Key
and the secret key), GET /v1/checkout/sessions/<id>, POST /v1/checkout/sessions/<id>/expire, and a tiny hosted
"checkout page" (/pay/<id>) that marks a session paid, delivers the signed checkout.session.completed webhook and
returns to success_url (or, on Cancel, to cancel_url). Events are built and signed exactly as Stripe does: an
`event` object, `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

API_VERSION = "2025-08-27.basil"
SESSION_PATH = re.compile(r"^/v1/checkout/sessions/([A-Za-z0-9_]+)$")
EXPIRE_PATH = re.compile(r"^/v1/checkout/sessions/([A-Za-z0-9_]+)/expire$")
PAY_PATH = re.compile(r"^/pay/([A-Za-z0-9_]+)$")


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's bracket notation (`line_items[0][price_data][currency]=usd`) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node: Any = root
        for part, following in zip(parts, parts[1:], strict=False):
            container: Any = [] if following.isdigit() else {}
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append(None)
                node[index] = node[index] if node[index] is not None else container
                node = node[index]
            else:
                node = node.setdefault(part, container)
        last = parts[-1]
        if isinstance(node, list):
            index = int(last)
            while len(node) <= index:
                node.append(None)
            node[index] = value
        else:
            node[last] = value
    return root


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for `payload` made at `timestamp` (default now)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


def event_payload(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> bytes:
    """An Event as Stripe serialises it (pretty-printed JSON), wrapping `obj` as data.object."""
    event = {"id": event_id or f"evt_{secrets.token_hex(12)}", "object": "event", "api_version": API_VERSION,
             "created": int(time.time()), "data": {"object": obj}, "livemode": False, "pending_webhooks": 1,
             "request": {"id": None, "idempotency_key": None}, "type": event_type}
    return json.dumps(event, indent=2).encode()


class StripeStandIn:
    def __init__(self, *, api_key: str = "sk_test_standin", webhook_secret: str = "",
                 webhook_url: str = "", host: str = "127.0.0.1", port: int = 0) -> None:
        self.api_key, self.webhook_secret, self.webhook_url = api_key, webhook_secret, webhook_url
        self.sessions: dict[str, dict[str, Any]] = {}
        self.idempotent: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StripeStandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def create_session(self, form: dict[str, Any]) -> dict[str, Any]:
        items = form.get("line_items") or []
        if form.get("mode") != "payment" or not form.get("success_url") or not items:
            raise ValueError("mode=payment, success_url and line_items are required")
        price = items[0]["price_data"]
        session_id = f"cs_test_{secrets.token_hex(16)}"
        session = {"id": session_id, "object": "checkout.session", "mode": "payment",
                   "amount_total": int(price["unit_amount"]) * int(items[0].get("quantity", 1)),
                   "currency": price["currency"], "client_reference_id": form.get("client_reference_id"),
                   "metadata": form.get("metadata") or {}, "payment_intent": None, "payment_status": "unpaid",
                   "status": "open", "success_url": form["success_url"], "cancel_url": form.get("cancel_url"),
                   "url": f"{self.base_url}/pay/{session_id}", "created": int(time.time()), "livemode": False}
        with self.lock:
            self.sessions[session_id] = session
        return session

    def pay(self, session_id: str) -> dict[str, Any]:
        with self.lock:
            session = self.sessions[session_id]
            session.update(status="complete", payment_status="paid",
                           payment_intent=session["payment_intent"] or f"pi_{secrets.token_hex(12)}")
            return dict(session)

    def expire(self, session_id: str) -> dict[str, Any]:
        with self.lock:
            self.sessions[session_id].update(status="expired")
            return dict(self.sessions[session_id])

    def charge_of(self, session_id: str, *, refunded: int = 0) -> dict[str, Any]:
        session = self.sessions[session_id]
        return {"id": f"ch_{session_id[-12:]}", "object": "charge", "amount": session["amount_total"],
                "amount_refunded": refunded, "refunded": refunded >= session["amount_total"],
                "currency": session["currency"], "payment_intent": session["payment_intent"], "paid": True}

    def dispute_of(self, session_id: str, *, status: str = "needs_response") -> dict[str, Any]:
        session = self.sessions[session_id]
        return {"id": f"dp_{session_id[-12:]}", "object": "dispute", "amount": session["amount_total"],
                "charge": f"ch_{session_id[-12:]}", "payment_intent": session["payment_intent"],
                "reason": "fraudulent", "status": status, "currency": session["currency"]}

    def deliver(self, event_type: str, obj: dict[str, Any]) -> int:
        """Posts a signed event to webhook_url like Stripe would; returns the HTTP status."""
        payload = event_payload(event_type, obj)
        request = urllib.request.Request(self.webhook_url, data=payload, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "Stripe-Signature": sign(payload, self.webhook_secret),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        from .handler import make_handler

        return make_handler(self)
