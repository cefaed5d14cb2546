"""A local stand-in for the WattTime v3 and Electricity Maps v3 APIs: a threaded http.server on a free port,
answering from the series a test gives it and recording each request (path, query, headers)."""
from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.ports import free_port

USER, PASSWORD, TOKEN, EM_TOKEN = "ops", "s3cret", "wt-token-1", "em-token"


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


@dataclass
class Grid:
    """What the stand-in serves: a 5-minute MOER series (lbs/MWh) and an hourly intensity series (g/kWh)."""

    moer: list[tuple[datetime, float]] = field(default_factory=list)
    hourly: list[tuple[datetime, float]] = field(default_factory=list)
    now: datetime | None = None
    fail: int | None = None  # answer every request with this status
    expire_token_once: bool = False
    requests: list[tuple[str, dict[str, str], dict[str, str]]] = field(default_factory=list)


def _handler(grid: Grid) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            grid.requests.append((url.path, query, {k.lower(): v for k, v in self.headers.items()}))
            if grid.fail:
                return self._send(grid.fail, {"error": "unavailable"})
            route = {"/login": self._login, "/v3/forecast": self._moer, "/v3/historical": self._moer,
                     "/v3/carbon-intensity/latest": self._latest, "/v3/carbon-intensity/forecast": self._forecast,
                     "/v3/carbon-intensity/past": self._past}.get(url.path)
            if route is None:
                return self._send(404, {"error": "no route"})
            return route(query)

        def _login(self, query: dict[str, str]) -> None:
            basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            if self.headers.get("Authorization") != basic:
                return self._send(403, {"error": "bad credentials"})
            return self._send(200, {"token": TOKEN})

        def _moer(self, query: dict[str, str]) -> None:
            if self.headers.get("Authorization") != f"Bearer {TOKEN}" or grid.expire_token_once:
                grid.expire_token_once = False
                return self._send(401, {"error": "token expired"})
            rows = grid.moer
            if "start" in query:
                start = datetime.fromisoformat(query["start"].replace("Z", "+00:00"))
                end = datetime.fromisoformat(query["end"].replace("Z", "+00:00"))
                rows = [(t, v) for t, v in rows if start - timedelta(minutes=5) < t <= end]
            return self._send(200, {"data": [{"point_time": t.isoformat(), "value": v} for t, v in rows],
                                    "meta": {"region": query.get("region"), "signal_type": query.get("signal_type"),
                                             "units": "lbs_co2_per_mwh", "data_point_period_seconds": 300}})

        def _em_ok(self) -> bool:
            if self.headers.get("auth-token") != EM_TOKEN:
                self._send(401, {"error": "bad token"})
                return False
            return True

        def _row(self, at: datetime, value: float, zone: str) -> dict[str, Any]:
            return {"zone": zone, "carbonIntensity": value, "datetime": iso(at), "updatedAt": iso(at),
                    "emissionFactorType": "lifecycle", "isEstimated": False}

        def _latest(self, query: dict[str, str]) -> None:
            if self._em_ok():
                assert grid.now is not None
                at, value = next((t, v) for t, v in grid.hourly if t <= grid.now < t + timedelta(hours=1))
                self._send(200, self._row(at, value, query["zone"]))

        def _forecast(self, query: dict[str, str]) -> None:
            if self._em_ok():
                assert grid.now is not None
                rows = [{"carbonIntensity": v, "datetime": iso(t)} for t, v in grid.hourly if t > grid.now]
                self._send(200, {"zone": query["zone"], "forecast": rows, "updatedAt": iso(grid.now)})

        def _past(self, query: dict[str, str]) -> None:
            if self._em_ok():
                at = datetime.fromisoformat(query["datetime"].replace("Z", "+00:00"))
                value = next(v for t, v in grid.hourly if t == at)
                self._send(200, self._row(at, value, query["zone"]))

    return Handler


@contextmanager
def standin(grid: Grid) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _handler(grid))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
