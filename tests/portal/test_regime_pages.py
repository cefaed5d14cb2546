from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from apps.signals.models import Alert, AlertKind
from tests.signals.factories import (
    ingest_segmented,
    level_shift,
    make_stream,
    noise_with_spike,
)

pytestmark = pytest.mark.django_db


def _chart(page: str, name: str) -> dict:
    found = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', page, re.DOTALL)
    return json.loads(found.group(1))


def test_a_stream_page_shades_its_regimes_and_lists_regime_changes_apart(tenant, make_member):
    # given
    stream = make_stream(tenant)
    ingest_segmented(tenant, stream, level_shift(300, 300))
    change = Alert.objects.get(stream=stream, kind=AlertKind.REGIME_CHANGE)
    client = Client()
    client.force_login(make_member(tenant, role="viewer"))
    # when
    page = client.get(f"/streams/{stream.pk}/").content.decode()
    # then: two contiguous bands over the chart, the second starting where the level moved
    bands = _chart(page, "chart-value")["regimes"]
    assert len(bands) == 2 and bands[0][1] == bands[1][0]
    assert "level +" in bands[1][2]
    regime_table = page.split('data-testid="regime-changes"')[1].split("</table>")[0]
    anomaly_table = page.split("<h2>Anomalies</h2>")[1]
    assert regime_table.count('data-testid="regime-change-row"') == 1
    assert change.evidence["summary"] in regime_table and f"{change.delay_points} pts" in regime_table
    assert change.explanation not in anomaly_table
    assert page.count('data-testid="regime-row"') == 2


def test_a_spiky_stream_page_has_anomalies_but_no_regime_changes(tenant, make_member):
    # given
    stream = make_stream(tenant)
    ingest_segmented(tenant, stream, noise_with_spike(600, 400))
    client = Client()
    client.force_login(make_member(tenant))
    # when
    page = client.get(f"/streams/{stream.pk}/").content.decode()
    # then
    assert "No regime changes detected." in page and 'data-testid="alert-row"' in page.split("<h2>Anomalies</h2>")[1]
    assert len(_chart(page, "chart-value")["regimes"]) == 1
