from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.signals.models import Alert, SignalWindow, Stream
from tests.dna.factories import make_asset

pytestmark = pytest.mark.django_db


def _window(stream: Stream, index: int, energy: float, end) -> None:
    SignalWindow.objects.create(tenant=stream.tenant, stream=stream, index=index, start_ts=end - timedelta(minutes=1),
                                end_ts=end, count=60, mean=1, minimum=0, maximum=2, energy=energy, temperature=1,
                                entropy=1, entropy_rate=1, free_energy=1, entropy_production=energy / 10,
                                max_score=0.1)


def _alert(stream: Stream, kind: str, ts) -> None:
    Alert.objects.create(tenant=stream.tenant, stream=stream, ts=ts, score=0.9, severity="high", kind=kind,
                         explanation="x", window_start=ts, window_end=ts)


def test_it_ranks_streams_and_assets_exactly_over_the_window(api, tenant, other_tenant):
    # given
    now = timezone.now()
    hot, cold = Stream.objects.create(tenant=tenant, name="hot"), Stream.objects.create(tenant=tenant, name="cold")
    theirs = Stream.objects.create(tenant=other_tenant, name="theirs")
    for i, (h, c) in enumerate([(10.0, 1.0), (30.0, 3.0)]):
        _window(hot, i, h, now - timedelta(hours=2 - i))
        _window(cold, i, c, now - timedelta(hours=2 - i))
    _window(hot, 9, 1000.0, now - timedelta(days=30))  # outside the range asked below
    _window(theirs, 0, 99_999.0, now - timedelta(hours=1))
    _alert(hot, "regime_change", now - timedelta(hours=1))
    _alert(cold, "anomaly", now - timedelta(hours=1))
    pump = make_asset(tenant, "pump")
    from apps.dna.models import AssetStream

    AssetStream.objects.create(tenant=tenant, asset=pump, stream=hot)
    AssetStream.objects.create(tenant=tenant, asset=pump, stream=cold)
    since = (now - timedelta(days=1)).isoformat()
    # when
    streams = api.get("/api/v1/query/", {"feature": "energy", "aggregate": "mean", "since": since}).json()
    assets = api.get("/api/v1/query/", {"subject": "assets", "feature": "energy", "aggregate": "max",
                                        "since": since}).json()
    shifts = api.get("/api/v1/query/", {"feature": "regime_changes"}).json()
    bad = api.get("/api/v1/query/", {"feature": "energy", "since": since, "until": since})
    # then
    assert [(r["name"], r["value"], r["windows"]) for r in streams["results"]] == [("hot", 20.0, 2), ("cold", 2.0, 2)]
    assert [(r["name"], r["value"]) for r in assets["results"]] == [("PUMP", 30.0)]
    assert [(r["name"], r["value"]) for r in shifts["results"]] == [("hot", 1.0), ("cold", 0.0)]
    assert bad.status_code == 400 and "until" in bad.json()["extra"]["fields"]
