"""The stream page's one time range: presets, custom from/to and an alert's ?at= moment set the range of every chart;
long ranges arrive as min/max buckets; alerts are marked on every chart by kind."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db.models import Max, Min
from django.test import Client

from apps.portal.pages import stream_range
from apps.signals import services
from apps.signals.models import Alert, AlertKind, Point
from tests.signals.factories import ACTOR, T0, ingest_segmented, level_shift, make_alert, make_stream, wave

pytestmark = pytest.mark.django_db

CHARTS = ("chart-value", "chart-score", "chart-energy", "chart-entropy")
MINUTE_MS, HOUR_MS = 60_000, 3_600_000
LAST_MS = (T0 + 60 * 2999) * 1000  # the last of 3000 minute points


def _chart(page: str, name: str) -> dict[str, Any]:
    found = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', page, re.DOTALL)
    assert found, f"{name} is not on the page"
    return json.loads(found.group(1))


def _times(spec: dict[str, Any]) -> list[int]:
    return [p[0] for s in spec["series"] for p in s["points"]]


@pytest.fixture
def long_stream(tenant: Any) -> Any:
    stream = make_stream(tenant)
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(3000))
    return stream


@pytest.fixture
def client(tenant: Any, make_member: Any) -> Client:
    client = Client()
    client.force_login(make_member(tenant, role="viewer"))
    return client


@pytest.mark.parametrize(("query", "span_ms"), [
    ("", 2999 * MINUTE_MS), ("?range=1h", HOUR_MS), ("?range=24h", 24 * HOUR_MS), ("?range=7d", 2999 * MINUTE_MS),
    ("?range=all", 2999 * MINUTE_MS), ("?range=nonsense", 2999 * MINUTE_MS)])
def test_every_chart_shows_the_range_asked_for_ending_at_the_latest_point(long_stream, client, query, span_ms):
    # given: 50 hours of minute points (fixture)
    # when
    page = client.get(f"/streams/{long_stream.pk}/{query}").content.decode()
    # then: the four charts share one range, clipped to the data, and draw nothing outside it
    ranges = {tuple(_chart(page, name)["range"]) for name in CHARTS}
    assert ranges == {(LAST_MS - span_ms, LAST_MS)}
    for name in CHARTS:
        times = _times(_chart(page, name))
        assert times and LAST_MS - span_ms <= min(times) and max(times) <= LAST_MS


def test_a_custom_range_from_unix_seconds_or_iso_times_sets_every_chart(long_stream, client):
    # given: the same span, as a drag sends it (Unix seconds) and as the form sends it (ISO, UTC)
    start, end = T0 + 3600, T0 + 3 * 3600
    # when
    dragged = client.get(f"/streams/{long_stream.pk}/?from={start}&to={end}").content.decode()
    typed = client.get(f"/streams/{long_stream.pk}/?from=2023-11-14T23:13:20&to=2023-11-15T01:13:20").content.decode()
    # then
    for page in (dragged, typed):
        assert {tuple(_chart(page, name)["range"]) for name in CHARTS} == {(start * 1000, end * 1000)}
        assert 'data-range="24h" class="active"' not in page
    assert len(_chart(dragged, "chart-value")["series"][0]["points"]) == 121  # every minute, both ends included


def test_a_bad_custom_range_is_400_with_the_field_named_and_the_default_range_shown(long_stream, client):
    # when
    unreadable = client.get(f"/streams/{long_stream.pk}/?from=yesterday")
    backwards = client.get(f"/streams/{long_stream.pk}/?from={T0 + 7200}&to={T0 + 3600}")
    # then
    assert unreadable.status_code == 400 and backwards.status_code == 400
    assert "From: Enter the start as a date and time" in unreadable.content.decode()
    assert "To: The end must be at least 60 seconds after the start." in backwards.content.decode()
    assert _chart(unreadable.content.decode(), "chart-value")["range"] == [T0 * 1000, LAST_MS]


def test_a_stream_too_long_to_summarise_quickly_opens_on_its_last_week(tenant, client, monkeypatch):
    # given: ten days of hourly points, and a summary bound below that many points
    stream = make_stream(tenant)
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk,
                           points=[{"t": T0 + 3600 * i, "v": float(i % 7)} for i in range(240)])
    last_ms = (T0 + 3600 * 239) * 1000
    # when
    whole = client.get(f"/streams/{stream.pk}/").content.decode()
    monkeypatch.setattr(stream_range, "OVERVIEW_POINTS", 100)
    week = client.get(f"/streams/{stream.pk}/").content.decode()
    # then
    assert _chart(whole, "chart-value")["range"] == [T0 * 1000, last_ms] and 'data-range="all" class="active"' in whole
    assert _chart(week, "chart-value")["range"] == [last_ms - 7 * 24 * HOUR_MS, last_ms]
    assert 'data-range="7d" class="active"' in week


def test_an_alerts_link_centres_every_chart_on_its_moment_and_marks_it(long_stream, client):
    # given: an alert 10 hours in, far before the last 24 hours
    moment = T0 + 10 * 3600
    make_alert(long_stream, datetime.fromtimestamp(moment, tz=UTC))
    # when
    page = client.get(f"/streams/{long_stream.pk}/?at={moment}").content.decode()
    one_hour = client.get(f"/streams/{long_stream.pk}/?at={moment}&range=1h").content.decode()
    # then: 24 hours around the moment, clipped at the first point; the picker keeps the moment
    assert {tuple(_chart(page, name)["range"]) for name in CHARTS} == {(T0 * 1000, (moment + 12 * 3600) * 1000)}
    assert all(_chart(page, name)["alerts"][0][:2] == [moment * 1000, "anomaly"] for name in CHARTS)
    assert 'data-testid="chart-at"' in page and f'href="?range=1h&amp;at={moment}"' in page
    assert _chart(one_hour, "chart-score")["range"] == [(moment - 1800) * 1000, (moment + 1800) * 1000]


def test_a_long_range_is_min_and_max_per_bucket_and_says_so(long_stream, client):
    # given: 3000 points, more than the 1000 buckets of one chart
    stored = Point.objects.filter(stream_id=long_stream.pk).aggregate(low=Min("value"), high=Max("value"))
    # when
    everything = client.get(f"/streams/{long_stream.pk}/?range=all").content.decode()
    hour = client.get(f"/streams/{long_stream.pk}/?range=1h").content.decode()
    # then: at most one entry per bucket, which keeps the extremes; a short range is every point, unmarked
    drawn = _chart(everything, "chart-value")["series"][0]["points"]
    assert 900 <= len(drawn) <= 1000 and any(len(p) == 3 for p in drawn)
    assert min(p[1] for p in drawn) == stored["low"] and max(p[-1] for p in drawn) == stored["high"]
    assert 'data-testid="downsampled"' in everything and "time buckets of 3 min" in everything
    assert 'data-testid="downsampled"' not in hour
    assert all(len(p) == 2 for p in _chart(hour, "chart-value")["series"][0]["points"])


def test_anomalies_and_regime_changes_are_marked_on_every_chart_by_kind(tenant, client):
    # given: a level shift (a regime change) with a spike later on (an anomaly)
    stream = make_stream(tenant)
    points = level_shift(300, 300)
    points[450]["v"] += 60.0
    ingest_segmented(tenant, stream, points)
    kinds = set(Alert.objects.filter(stream=stream).values_list("kind", flat=True))
    # when
    page = client.get(f"/streams/{stream.pk}/").content.decode()
    # then
    assert kinds == {AlertKind.ANOMALY, AlertKind.REGIME_CHANGE}
    for name in CHARTS:
        assert {mark[1] for mark in _chart(page, name)["alerts"]} == kinds
    regime_starts = [band[0] for band in _chart(page, "chart-value")["regimes"]]
    change = Alert.objects.get(stream=stream, kind=AlertKind.REGIME_CHANGE)
    assert int(change.ts.timestamp() * 1000) in regime_starts


def test_an_empty_stream_page_has_no_range_and_says_so(tenant, client):
    # given
    stream = make_stream(tenant)
    # when
    response = client.get(f"/streams/{stream.pk}/?range=7d")
    # then
    assert response.status_code == 200 and 'data-testid="range-picker"' not in response.content.decode()


def test_another_tenants_stream_page_is_404_whatever_the_range(other_tenant, client):
    # given
    theirs = make_stream(other_tenant)
    services.points_ingest(actor=ACTOR, tenant=other_tenant, stream_id=theirs.pk, points=wave(30))
    # when / then
    for query in ("", "?range=all", f"?from={T0}&to={T0 + 600}", f"?at={T0}"):
        assert client.get(f"/streams/{theirs.pk}/{query}").status_code == 404
