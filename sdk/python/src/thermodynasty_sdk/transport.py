"""HTTP with the API's conventions: `Authorization: Api-Key`, JSON bodies, an Idempotency-Key on every POST (made
once per call, so a retried POST is applied at most once), retries with exponential backoff and jitter on 429 and
5xx (honouring Retry-After) and on connection failures, and errors raised as ThermoError subclasses."""
from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib import error, parse, request

from thermodynasty_sdk.errors import ThermoError, error_for

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass
class Transport:
    base_url: str
    api_key: str
    timeout: float = 30.0
    max_retries: int = 4
    backoff: float = 0.25  # seconds; doubled each retry, with full jitter
    max_backoff: float = 10.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    user_agent: str = "thermodynasty-sdk-python/0.1.0"

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                body: dict[str, Any] | None = None, idempotency_key: str | None = None) -> Any:
        """The decoded JSON answer of one API call, after any retries."""
        url = self.base_url.rstrip("/") + path
        query = {k: v for k, v in (params or {}).items() if v is not None}
        if query:
            url += "?" + parse.urlencode(query, doseq=True)
        headers = {"Authorization": f"Api-Key {self.api_key}", "Accept": "application/json",
                   "User-Agent": self.user_agent}
        data = None
        if method in ("POST", "PUT", "PATCH"):
            data = json.dumps(body or {}).encode()
            headers["Content-Type"] = "application/json"
        if method == "POST":
            headers["Idempotency-Key"] = idempotency_key or f"sdk-{uuid.uuid4()}"
        for attempt in range(self.max_retries + 1):
            status, answer, answer_headers = self._send(method, url, data, headers)
            if status < 400:
                return answer
            if status in RETRY_STATUSES and attempt < self.max_retries:
                self.sleep(self._delay(attempt, answer_headers.get("retry-after")))
                continue
            raise error_for(status, answer, answer_headers.get("x-request-id"))
        raise AssertionError("unreachable")

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), self.max_backoff * 6)
            except ValueError:
                pass
        return random.uniform(0, min(self.max_backoff, self.backoff * 2 ** attempt))

    def _send(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> tuple[int, Any, dict]:
        req = request.Request(url, data=data, headers=headers, method=method)
        try:
            with request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - the caller's base URL
                raw, status, got = resp.read(), resp.status, resp.headers
        except error.HTTPError as exc:
            raw, status, got = exc.read(), exc.code, exc.headers
        except (error.URLError, TimeoutError, ConnectionError) as exc:
            # a connection failure is retried like a 503: the Idempotency-Key makes a repeated POST safe
            return 503, {"code": "transport", "message": str(exc)}, {}
        try:
            answer = json.loads(raw) if raw else None
        except ValueError:
            answer = {"code": "not_json", "message": raw[:200].decode(errors="replace")}
        return status, answer, {k.lower(): v for k, v in got.items()}

    def pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a cursor-paginated list, following `next` until it is null."""
        params = dict(params or {})
        while True:
            page = self.request("GET", path, params=params)
            yield from page.get("results", [])
            following = page.get("next")
            if not following:
                return
            cursor = parse.parse_qs(parse.urlparse(following).query).get("cursor")
            if not cursor:
                raise ThermoError(0, "bad_page", f"`next` has no cursor: {following}")
            params["cursor"] = cursor[0]
