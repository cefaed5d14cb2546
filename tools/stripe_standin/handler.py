"""HTTP routes of the Stripe stand-in: the two Checkout API calls, with Stripe's error shape, and the pay page."""
from __future__ import annotations

import html
import json
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, ClassVar

from .server import EXPIRE_PATH, PAY_PATH, SESSION_PATH, decode_form

if TYPE_CHECKING:
    from .server import StripeStandIn


def _error(kind: str, message: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message, **({"code": code} if code else {})}}


class StandInHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    standin: ClassVar[StripeStandIn]

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def _send(self, status: int, body: bytes, content_type: str = "application/json",
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", "req_standin")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value: dict[str, Any]) -> None:
        self._send(status, json.dumps(value).encode())

    def _authorised(self) -> bool:
        if self.headers.get("Authorization", "") == f"Bearer {self.standin.api_key}":
            return True
        self._json(401, _error("invalid_request_error", "Invalid API Key provided."))
        return False

    def _unknown(self) -> None:
        self._json(404, _error("invalid_request_error", f"Unrecognized request URL ({self.path})."))

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.standin.requests.append(("GET", self.path))
        pay = PAY_PATH.match(self.path)
        if pay:
            return self._pay_page(pay.group(1))
        found = SESSION_PATH.match(self.path.split("?")[0])
        if not found:
            return self._unknown()
        if not self._authorised():
            return None
        session = self.standin.sessions.get(found.group(1))
        if session is None:
            return self._json(404, _error("invalid_request_error", "No such checkout.session", "resource_missing"))
        return self._json(200, session)

    def do_POST(self) -> None:  # noqa: N802
        self.standin.requests.append(("POST", self.path))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        pay = PAY_PATH.match(self.path)
        if pay:
            return self._pay(pay.group(1), body)
        expire = EXPIRE_PATH.match(self.path)
        if self.path != "/v1/checkout/sessions" and not expire:
            return self._unknown()
        if not self._authorised():
            return None
        if expire:
            return self._expire(expire.group(1))
        return self._create(body, self.headers.get("Idempotency-Key"))

    def _expire(self, session_id: str) -> None:
        """Like Stripe: only an open session can be expired."""
        session = self.standin.sessions.get(session_id)
        if session is None:
            return self._json(404, _error("invalid_request_error", "No such checkout.session", "resource_missing"))
        if session["status"] != "open":
            return self._json(400, _error("invalid_request_error",
                                          "Only Checkout Sessions with a status of 'open' can be expired."))
        return self._json(200, self.standin.expire(session_id))

    def _create(self, body: str, key: str | None) -> None:
        """Like Stripe: a repeated Idempotency-Key returns the first answer instead of a second session."""
        with self.standin.lock:
            replay = self.standin.idempotent.get(key) if key else None
        if replay is not None:
            return self._json(200, replay)
        try:
            session = self.standin.create_session(decode_form(body))
        except (ValueError, KeyError, TypeError) as exc:
            return self._json(400, _error("invalid_request_error", str(exc)))
        if key:
            with self.standin.lock:
                self.standin.idempotent[key] = session
        return self._json(200, session)

    def _pay_page(self, session_id: str) -> None:
        session = self.standin.sessions.get(session_id)
        if session is None:
            return self._send(404, b"No such session", "text/plain")
        amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
        page = (f"<!doctype html><meta name=viewport content='width=device-width, initial-scale=1'>"
                f"<title>TEST MODE · Stripe stand-in checkout</title>"
                f"<p style='background:#fff8c5;padding:8px'><strong>TEST MODE</strong>: a local stand-in for Stripe "
                f"Checkout. No card is charged and no money moves.</p><h1>Pay {html.escape(amount)}</h1>"
                f"<p>Session {html.escape(session_id)}.</p>"
                f"<form method=post><button name=action value=pay>Pay</button> "
                f"<button name=action value=cancel>Cancel</button></form>")
        return self._send(200, page.encode(), "text/html; charset=utf-8")

    def _pay(self, session_id: str, body: str) -> None:
        if session_id not in self.standin.sessions:
            return self._send(404, b"No such session", "text/plain")
        if self.standin.sessions[session_id]["status"] != "open":
            return self._send(409, b"This checkout is no longer open.", "text/plain")
        if "action=cancel" in body:
            return self._send(303, b"", "text/plain", {"Location": self.standin.sessions[session_id]["cancel_url"]})
        session = self.standin.pay(session_id)
        if self.standin.webhook_url:
            self.standin.deliver("checkout.session.completed", session)
        return self._send(303, b"", "text/plain", {"Location": session["success_url"]})


def make_handler(standin: StripeStandIn) -> type[BaseHTTPRequestHandler]:
    return type("BoundStandInHandler", (StandInHandler,), {"standin": standin})
