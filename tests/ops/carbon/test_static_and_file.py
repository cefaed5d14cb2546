from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.ops.carbon import forecast, intensity_at

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def _sdk_forecast(location: str, values: list[float], *, minutes: int = 30) -> list[dict]:
    """The Carbon Aware SDK's /emissions/forecasts/current answer."""
    data = [{"location": location, "timestamp": (T0 + timedelta(minutes=minutes * i)).isoformat()
             .replace("+00:00", "Z"), "duration": minutes, "value": v} for i, v in enumerate(values)]
    return [{"generatedAt": "2026-11-30T23:55:00Z", "location": location, "dataStartAt": data[0]["timestamp"],
             "dataEndAt": data[-1]["timestamp"], "windowSize": 30, "optimalDataPoints": [data[0]],
             "forecastData": data}]


def test_no_configuration_answers_the_static_default(settings):
    # given
    settings.OPS_CARBON_PROVIDERS = {}
    settings.OPS_CARBON_DEFAULT_GCO2_PER_KWH = 412.0
    settings.OPS_ENERGY_DEFAULT_PRICE_PER_MWH_MINOR = 9000
    # when
    point = intensity_at("nowhere", T0 + timedelta(minutes=42))
    # then
    assert (point.gco2_per_kwh, point.price_per_mwh_minor, point.source) == (412.0, 9000, "default")
    assert point.covers(T0 + timedelta(minutes=42))


def test_a_static_region_answers_its_value_and_price(settings):
    # given
    settings.OPS_CARBON_PROVIDERS = {"nordic": {"kind": "static", "gco2_per_kwh": 30, "price_per_mwh_minor": 4000}}
    # when
    point = intensity_at("nordic", T0)
    points = forecast("nordic", T0, T0 + timedelta(hours=5))
    # then
    assert (point.gco2_per_kwh, point.price_per_mwh_minor, point.source) == (30.0, 4000, "static")
    assert [(p.start, p.end) for p in points] == [(T0, T0 + timedelta(hours=5))]


def test_a_json_forecast_file_in_the_sdk_shape_is_read_for_its_location(settings, tmp_path):
    # given
    path = tmp_path / "forecast.json"
    path.write_text(json.dumps(_sdk_forecast("eastus", [300, 250, 200]) + _sdk_forecast("westus", [90, 80, 70])))
    settings.OPS_CARBON_PROVIDERS = {"us-east": {"kind": "file", "path": str(path), "location": "eastus"}}
    # when
    point = intensity_at("us-east", T0 + timedelta(minutes=45))
    points = forecast("us-east", T0 + timedelta(minutes=10), T0 + timedelta(minutes=80))
    # then
    assert (point.gco2_per_kwh, point.source) == (250.0, "file:forecast.json")
    assert [(p.gco2_per_kwh, p.start - T0) for p in points] == [
        (300.0, timedelta(minutes=10)), (250.0, timedelta(minutes=30)), (200.0, timedelta(minutes=60))]
    assert points[-1].end == T0 + timedelta(minutes=80)


def test_a_csv_forecast_file_with_prices_is_read(settings, tmp_path):
    # given
    path = tmp_path / "grid.csv"
    path.write_text("location,timestamp,duration,value,price_per_mwh_minor\n"
                    "local,2026-12-01T00:00:00Z,60,120.5,8000\nlocal,2026-12-01T01:00:00Z,60,99,6500\n")
    settings.OPS_CARBON_PROVIDERS = {"local": {"kind": "file", "path": str(path)}}
    # when
    point = intensity_at("local", T0 + timedelta(minutes=61))
    # then
    assert (point.gco2_per_kwh, point.price_per_mwh_minor) == (99.0, 6500)


def test_the_file_is_read_again_when_it_changes(settings, tmp_path):
    # given
    path = tmp_path / "f.json"
    path.write_text(json.dumps(_sdk_forecast("local", [100])))
    settings.OPS_CARBON_PROVIDERS = {"local": {"kind": "file", "path": str(path)}}
    first = intensity_at("local", T0)
    # when
    path.write_text(json.dumps(_sdk_forecast("local", [55])))
    import os

    os.utime(path, (1, 1))
    second = intensity_at("local", T0)
    # then
    assert (first.gco2_per_kwh, second.gco2_per_kwh) == (100.0, 55.0)


def test_a_time_outside_the_file_falls_back_to_the_next_source(settings, tmp_path):
    # given
    path = tmp_path / "f.json"
    path.write_text(json.dumps(_sdk_forecast("local", [100, 110])))
    settings.OPS_CARBON_PROVIDERS = {"local": [{"kind": "file", "path": str(path)},
                                               {"kind": "static", "gco2_per_kwh": 333}]}
    # when
    point = intensity_at("local", T0 + timedelta(days=1))
    # then
    assert (point.gco2_per_kwh, point.source) == (333.0, "static (after file:f.json failed)")


def test_a_broken_file_falls_back_to_the_default(settings, tmp_path):
    # given
    path = tmp_path / "f.json"
    path.write_text('[{"location": "local", "timestamp": "2026-12-01T00:00:00", "duration": 5, "value": 1}]')
    settings.OPS_CARBON_PROVIDERS = {"local": {"kind": "file", "path": str(path)}}
    # when
    point = intensity_at("local", T0)
    # then: a naive timestamp is refused, not guessed
    assert point.source == "default (after file:f.json failed)"


def test_a_forecast_gap_inside_the_file_is_filled_by_the_next_source(settings, tmp_path):
    # given: 00:00-00:30 and 01:00-01:30, nothing between
    path = tmp_path / "f.csv"
    path.write_text("location,timestamp,duration,value\nlocal,2026-12-01T00:00:00Z,30,100\n"
                    "local,2026-12-01T01:00:00Z,30,200\n")
    settings.OPS_CARBON_PROVIDERS = {"local": [{"kind": "file", "path": str(path)},
                                               {"kind": "static", "gco2_per_kwh": 150}]}
    # when
    points = forecast("local", T0, T0 + timedelta(hours=2))
    # then
    assert [(p.start - T0, p.end - T0, p.gco2_per_kwh) for p in points] == [
        (timedelta(0), timedelta(minutes=30), 100.0), (timedelta(minutes=30), timedelta(hours=1), 150.0),
        (timedelta(hours=1), timedelta(minutes=90), 200.0), (timedelta(minutes=90), timedelta(hours=2), 150.0)]


def test_an_unknown_kind_is_a_configuration_error(settings):
    # given
    settings.OPS_CARBON_PROVIDERS = {"x": {"kind": "carrier-pigeon"}}
    # when / then
    with pytest.raises(ImproperlyConfigured, match="carrier-pigeon"):
        intensity_at("x", T0)


def test_a_forecast_needs_a_window(settings):
    with pytest.raises(ValueError, match="start < end"):
        forecast("local", T0, T0)


def test_the_system_check_names_bad_providers_and_missing_credentials(settings):
    # given
    from apps.ops.carbon.checks import carbon_providers_check

    settings.OPS_CARBON_PROVIDERS = {"a": {"kind": "nope"}, "b": [{"kind": "static"}],
                                     "c": {"kind": "electricitymaps", "token": ""}, "d": {"kind": "static",
                                                                                         "gco2_per_kwh": 1}}
    # when
    messages = carbon_providers_check()
    # then
    assert [(m.id, m.msg.split(":")[0]) for m in messages] == [
        ("ops.E002", "OPS_CARBON_PROVIDERS['a']"), ("ops.E002", "OPS_CARBON_PROVIDERS['b']"),
        ("ops.W001", "electricitymaps")]
