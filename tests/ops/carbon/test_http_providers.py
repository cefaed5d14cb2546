from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from apps.ops.carbon import forecast, intensity_at
from apps.ops.carbon.base import LBS_PER_MWH_TO_G_PER_KWH
from tests.ops.carbon.standin import EM_TOKEN, PASSWORD, TOKEN, USER, Grid, standin

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def grid() -> Grid:
    return Grid(moer=[(T0 + timedelta(minutes=5 * i), 800.0 + 10 * i) for i in range(-24, 36)],
                hourly=[(T0 + timedelta(hours=h), 300.0 + 20 * h) for h in range(-3, 6)],
                now=T0 + timedelta(minutes=20))


@pytest.fixture
def url(grid: Grid) -> Iterator[str]:
    with standin(grid) as base:
        yield base


def _watttime(settings: Any, url: str, **extra: Any) -> None:
    settings.OPS_CARBON_PROVIDERS = {"ca": {"kind": "watttime", "region": "CAISO_NORTH", "url": url,
                                            "username": USER, "password": PASSWORD, **extra}}


def _emaps(settings: Any, url: str, token: str = EM_TOKEN) -> None:
    settings.OPS_CARBON_PROVIDERS = {"de": [{"kind": "electricitymaps", "zone": "DE", "url": url, "token": token},
                                            {"kind": "static", "gco2_per_kwh": 380.0}]}


def test_watttime_logs_in_and_converts_moer_to_grams_per_kwh(settings, url, grid):
    # given
    _watttime(settings, url)
    # when
    point = intensity_at("ca", T0 + timedelta(minutes=7))
    # then: the 12:05 point (810 lbs/MWh) covers 12:07, in g/kWh
    assert point.source == "watttime:CAISO_NORTH"
    assert point.start == T0 + timedelta(minutes=5) and point.end == T0 + timedelta(minutes=10)
    assert point.gco2_per_kwh == pytest.approx(810.0 * LBS_PER_MWH_TO_G_PER_KWH)
    paths = [(path, headers.get("authorization")) for path, _, headers in grid.requests]
    assert paths[0][0] == "/login" and paths[1] == ("/v3/forecast", f"Bearer {TOKEN}")
    assert grid.requests[1][1]["region"] == "CAISO_NORTH" and grid.requests[1][1]["signal_type"] == "co2_moer"


def test_watttime_asks_the_history_for_a_time_before_the_forecast(settings, url, grid):
    # given: the forecast starts at T0 - 2 h; the history has the same series
    _watttime(settings, url)
    grid.moer = [(t, v) for t, v in grid.moer if t >= T0]
    history = [(T0 - timedelta(minutes=5), 700.0)]
    grid.moer = history + grid.moer
    # when
    point = intensity_at("ca", T0 - timedelta(minutes=3))
    # then
    assert point.gco2_per_kwh == pytest.approx(700.0 * LBS_PER_MWH_TO_G_PER_KWH)


def test_watttime_logs_in_again_when_its_token_expired(settings, url, grid):
    # given
    _watttime(settings, url)
    grid.expire_token_once = True
    # when
    point = intensity_at("ca", T0)
    # then
    assert point.source == "watttime:CAISO_NORTH"
    assert [path for path, _, _ in grid.requests] == ["/login", "/v3/forecast", "/login", "/v3/forecast"]


def test_watttime_with_wrong_credentials_falls_back_to_the_default(settings, url):
    # given
    _watttime(settings, url, password="wrong")
    settings.OPS_CARBON_DEFAULT_GCO2_PER_KWH = 450.0
    # when
    point = intensity_at("ca", T0)
    # then
    assert point.gco2_per_kwh == 450.0
    assert point.source == "default (after watttime:CAISO_NORTH failed)"


def test_watttime_forecast_is_contiguous_and_clipped(settings, url):
    # given
    _watttime(settings, url)
    start, end = T0 + timedelta(minutes=2), T0 + timedelta(minutes=17)
    # when
    points = forecast("ca", start, end)
    # then
    assert [p.start for p in points] == [start, T0 + timedelta(minutes=5), T0 + timedelta(minutes=10),
                                         T0 + timedelta(minutes=15)]
    assert points[-1].end == end
    assert all(a.end == b.start for a, b in zip(points, points[1:], strict=False))


def test_electricity_maps_sends_its_token_and_reads_the_latest_hour(settings, url, grid):
    # given
    _emaps(settings, url)
    # when
    point = intensity_at("de", T0 + timedelta(minutes=30))
    # then
    assert (point.gco2_per_kwh, point.source, point.start) == (300.0, "electricitymaps:DE", T0)
    path, query, headers = grid.requests[0]
    assert (path, query["zone"], headers["auth-token"]) == ("/v3/carbon-intensity/latest", "DE", EM_TOKEN)


def test_electricity_maps_reads_a_past_hour_and_a_forecast_hour(settings, url):
    # given
    _emaps(settings, url)
    # when
    past = intensity_at("de", T0 - timedelta(hours=2, minutes=-10))
    ahead = intensity_at("de", T0 + timedelta(hours=3, minutes=5))
    # then
    assert past.gco2_per_kwh == 260.0
    assert ahead.gco2_per_kwh == 360.0


def test_electricity_maps_forecast_fills_past_its_horizon_from_the_next_source(settings, url):
    # given: the stand-in forecasts up to T0 + 5 h
    _emaps(settings, url)
    start, end = T0 + timedelta(minutes=20), T0 + timedelta(hours=8)
    # when
    points = forecast("de", start, end)
    # then
    assert points[0].start == start and points[-1].end == end
    assert all(a.end == b.start for a, b in zip(points, points[1:], strict=False))
    assert [p.gco2_per_kwh for p in points] == [300.0, 320.0, 340.0, 360.0, 380.0, 400.0, 380.0]
    assert points[-1].source == "static" and points[-1].start == T0 + timedelta(hours=6)


def test_a_bad_token_falls_back_to_the_next_source_and_says_so(settings, url):
    # given
    _emaps(settings, url, token="wrong")
    # when
    point = intensity_at("de", T0)
    # then
    assert point.gco2_per_kwh == 380.0
    assert point.source == "static (after electricitymaps:DE failed)"


def test_an_unavailable_server_falls_back_and_is_not_cached(settings, url, grid):
    # given
    _emaps(settings, url)
    grid.fail = 503
    # when
    during = intensity_at("de", T0)
    grid.fail = None
    after = intensity_at("de", T0)
    # then
    assert during.source == "static (after electricitymaps:DE failed)"
    assert after.source == "electricitymaps:DE"


def test_an_unreachable_server_falls_back(settings):
    # given: nothing listens there
    from tests.ports import free_port

    _emaps(settings, f"http://127.0.0.1:{free_port()}")
    # when
    point = intensity_at("de", T0)
    # then
    assert point.source.startswith("static (after electricitymaps:DE")


def test_answers_are_cached_between_lookups(settings, url, grid):
    # given
    _emaps(settings, url)
    intensity_at("de", T0 + timedelta(minutes=1))
    # when
    intensity_at("de", T0 + timedelta(minutes=2))
    # then
    assert len(grid.requests) == 1
