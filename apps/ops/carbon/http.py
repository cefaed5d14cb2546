"""HTTP providers in the shape of WattTime (v3: token login, /v3/forecast, /v3/historical) and Electricity Maps
(v3: /carbon-intensity/latest, /forecast, /past with an `auth-token` header).

Answers are cached in the Django cache for OPS_CARBON_CACHE_S (a job looks the intensity up when it settles; the
grid figure changes every 5 to 60 minutes), failures are not. Any network, HTTP or format problem is a
CarbonError, so the registry falls back to the next source.
"""
from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache

from apps.ops.carbon.base import (
    HOUR,
    LBS_PER_MWH_TO_G_PER_KWH,
    CarbonError,
    CarbonPoint,
    parse_timestamp,
    point_at,
    within,
)

_UNITS = {"lbs_co2_per_mwh": LBS_PER_MWH_TO_G_PER_KWH, "g_co2_per_kwh": 1.0, "kg_co2_per_mwh": 1.0}


def http_json(url: str, *, headers: dict[str, str], source: str, cached: bool = True) -> Any:
    key = "ops:carbon:" + hashlib.sha256(f"{url}|{sorted(headers.items())}".encode()).hexdigest()
    if cached and (hit := cache.get(key)) is not None:
        return hit
    request = urllib.request.Request(url, headers={"Accept": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=settings.OPS_CARBON_HTTP_TIMEOUT_S) as response:  # noqa: S310
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise CarbonError(source, f"HTTP {exc.code} from {urllib.parse.urlsplit(url).path}") from exc
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise CarbonError(source, str(exc)) from exc
    if cached:
        cache.set(key, body, settings.OPS_CARBON_CACHE_S)
    return body


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


class WattTimeProvider:
    """Marginal operating emissions (co2_moer, lbs/MWh converted to g/kWh) for one WattTime region."""

    def __init__(self, *, region: str, username: str, password: str, url: str,
                 signal_type: str = "co2_moer") -> None:
        if not (username and password):
            raise CarbonError(f"watttime:{region}", "no credentials (WATTTIME_USERNAME / WATTTIME_PASSWORD)")
        self.region, self.signal_type, self.url = region, signal_type, url.rstrip("/")
        self._auth = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.source = f"watttime:{region}"

    def _token(self, *, fresh: bool = False) -> str:
        key = "ops:carbon:wt-token:" + hashlib.sha256(f"{self.url}|{self._auth}".encode()).hexdigest()
        token = None if fresh else cache.get(key)
        if token is None:
            body = http_json(f"{self.url}/login", headers={"Authorization": f"Basic {self._auth}"},
                             source=self.source, cached=False)
            token = body.get("token") if isinstance(body, dict) else None
            if not token:
                raise CarbonError(self.source, "the login answered no token")
            cache.set(key, token, 25 * 60)  # WattTime tokens live 30 minutes
        return str(token)

    def _get(self, path: str, **params: str) -> list[CarbonPoint]:
        url = f"{self.url}{path}?" + urllib.parse.urlencode({"region": self.region,
                                                             "signal_type": self.signal_type, **params})
        try:
            body = http_json(url, headers={"Authorization": f"Bearer {self._token()}"}, source=self.source)
        except CarbonError as exc:
            if "HTTP 401" not in str(exc):  # an expired token: log in again once
                raise
            body = http_json(url, headers={"Authorization": f"Bearer {self._token(fresh=True)}"},
                             source=self.source)
        return self._points(body)

    def _points(self, body: Any) -> list[CarbonPoint]:
        try:
            meta, data = body["meta"], body["data"]
            factor = _UNITS[meta["units"]]
            period = timedelta(seconds=int(meta.get("data_point_period_seconds", 300)))
            return sorted((CarbonPoint(start := parse_timestamp(row["point_time"]), start + period,
                                       float(row["value"]) * factor, None, self.source) for row in data),
                          key=lambda p: p.start)
        except (KeyError, TypeError, ValueError) as exc:
            raise CarbonError(self.source, f"unexpected answer ({type(exc).__name__}: {exc})") from exc

    def forecast(self, start: datetime, end: datetime) -> list[CarbonPoint]:
        return within(self._get("/v3/forecast", horizon_hours="72"), start, end)

    def intensity_at(self, at: datetime) -> CarbonPoint:
        points = self._get("/v3/forecast", horizon_hours="72")
        if points and at >= points[0].start:
            return point_at(points, at, self.source)
        past = self._get("/v3/historical", start=_iso(at - timedelta(minutes=5)), end=_iso(at + timedelta(minutes=5)))
        return point_at(past, at, self.source)


class ElectricityMapsProvider:
    """Average (lifecycle) carbon intensity of one Electricity Maps zone, hourly."""

    def __init__(self, *, zone: str, token: str, url: str) -> None:
        if not token:
            raise CarbonError(f"electricitymaps:{zone}", "no token (ELECTRICITYMAPS_TOKEN)")
        self.zone, self.token, self.url = zone, token, url.rstrip("/")
        self.source = f"electricitymaps:{zone}"

    def _get(self, path: str, **params: str) -> Any:
        query = urllib.parse.urlencode({"zone": self.zone, **params})
        return http_json(f"{self.url}/v3/carbon-intensity/{path}?{query}", headers={"auth-token": self.token},
                         source=self.source)

    def _point(self, row: Any) -> CarbonPoint:
        try:
            start = parse_timestamp(row["datetime"])
            return CarbonPoint(start, start + HOUR, float(row["carbonIntensity"]), None, self.source)
        except (KeyError, TypeError, ValueError) as exc:
            raise CarbonError(self.source, f"unexpected answer ({type(exc).__name__}: {exc})") from exc

    def forecast(self, start: datetime, end: datetime) -> list[CarbonPoint]:
        body = self._get("forecast")
        rows = body.get("forecast") if isinstance(body, dict) else None
        if not isinstance(rows, list):
            raise CarbonError(self.source, "the forecast answer has no 'forecast' list")
        points = [self._point(row) for row in rows]
        if points and start < points[0].start:  # the current hour is not in the forecast: take it from /latest
            points.insert(0, self._point(self._get("latest")))
        return within(points, start, end)

    def intensity_at(self, at: datetime) -> CarbonPoint:
        latest = self._point(self._get("latest"))
        if latest.covers(at):
            return latest
        if at >= latest.end:
            return point_at(self.forecast(at, at + HOUR), at, self.source)
        return self._point(self._get("past", datetime=_iso(at.replace(minute=0, second=0, microsecond=0))))
