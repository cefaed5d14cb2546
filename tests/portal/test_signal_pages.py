from __future__ import annotations

import pytest
from django.test import Client

from apps.signals import services
from tests.signals.factories import ACTOR, make_stream, wave

pytestmark = pytest.mark.django_db


def test_a_stream_page_draws_value_energy_and_entropy_with_alerts(tenant, make_member):
    # given
    stream = make_stream(tenant)
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(600))
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(30, 600, spike_at=610))
    client = Client()
    client.force_login(make_member(tenant, role="analyst"))
    # when
    page = client.get(f"/streams/{stream.pk}/").content.decode()
    alerts = client.get("/alerts/").content.decode()
    # then
    for chart in ("chart-value", "chart-score", "chart-energy", "chart-entropy"):
        assert f'id="{chart}"' in page
    assert '"bands": [[' in page and "standard deviations" in alerts


def test_another_tenants_stream_page_is_404(tenant, other_tenant, make_member):
    # given
    theirs = make_stream(other_tenant)
    client = Client()
    client.force_login(make_member(tenant))
    # when / then
    assert client.get(f"/streams/{theirs.pk}/").status_code == 404
