from __future__ import annotations

import pytest

from tests.signals.factories import ACTOR, make_stream, wave

pytestmark = pytest.mark.django_db


def test_create_a_stream_and_push_a_batch(api):
    # given
    stream = api.post("/api/v1/streams/", {"name": "temp", "units": "C"}, format="json").json()
    # when
    pushed = api.post(f"/api/v1/streams/{stream['id']}/points/", {"points": wave(100)}, format="json")
    listed = api.get(f"/api/v1/streams/{stream['id']}/points/?page_size=10").json()
    # then
    assert pushed.status_code == 201 and pushed.json()["accepted"] == 100
    # its speed is measured in benchmarks/signals.py, not asserted here
    assert isinstance(pushed.json()["decision_ms"], float) and pushed.json()["decision_ms"] >= 0
    assert len(listed["results"]) == 10 and listed["next"]


def test_a_malformed_batch_gets_row_level_errors(api, tenant):
    # given
    stream = make_stream(tenant)
    # when
    response = api.post(f"/api/v1/streams/{stream.pk}/points/", {"points": [{"t": 1.7e9, "v": 1}, {"t": 1.7e9 + 1}]},
                        format="json")
    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_rows" and body["extra"]["rows"] == [
        {"index": 1, "field": "v", "message": "a finite number is required"}]
    assert api.get(f"/api/v1/streams/{stream.pk}/").json()["point_count"] == 0


def test_more_than_ten_thousand_points_are_refused(api, tenant):
    # given
    stream = make_stream(tenant)
    # when
    response = api.post(f"/api/v1/streams/{stream.pk}/points/", {"points": wave(10_001)}, format="json")
    # then
    assert response.status_code == 400
    assert "points" in response.json()["extra"]["fields"]


def test_tenants_never_see_each_others_streams_or_alerts(api, other_api, other_tenant):
    # given
    from apps.signals import services

    theirs = make_stream(other_tenant, "secret-stream")
    services.points_ingest(actor=ACTOR, tenant=other_tenant, stream_id=theirs.pk, points=wave(600))
    services.points_ingest(actor=ACTOR, tenant=other_tenant, stream_id=theirs.pk, points=wave(30, 600, spike_at=610))
    alert_id = other_api.get("/api/v1/alerts/").json()["results"][0]["id"]
    # when
    responses = [api.get(f"/api/v1/streams/{theirs.pk}/"), api.get(f"/api/v1/streams/{theirs.pk}/points/"),
                 api.post(f"/api/v1/streams/{theirs.pk}/points/", {"points": wave(1, 700)}, format="json"),
                 api.get(f"/api/v1/alerts/{alert_id}/"), api.post(f"/api/v1/alerts/{alert_id}/acknowledge/")]
    # then
    assert [r.status_code for r in responses] == [404, 404, 404, 404, 404]
    assert api.get("/api/v1/streams/").json()["results"] == []
    assert api.get("/api/v1/alerts/").json()["results"] == []


def test_an_analyst_acknowledges_then_resolves(api, tenant):
    # given
    from apps.signals import services

    stream = make_stream(tenant)
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(600))
    alert = services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk,
                                   points=wave(30, 600, spike_at=610)).alerts[0]
    # when
    ack = api.post(f"/api/v1/alerts/{alert}/acknowledge/", {"note": "looking"}, format="json")
    again = api.post(f"/api/v1/alerts/{alert}/acknowledge/")
    resolved = api.post(f"/api/v1/alerts/{alert}/resolve/", {"note": "patched"}, format="json")
    # then
    assert ack.json()["status"] == "acknowledged" and again.status_code == 409
    assert resolved.json()["status"] == "resolved" and "patched" in resolved.json()["note"]


def test_a_webhook_secret_is_shown_once(api, settings):
    # given
    settings.WEBHOOK_ALLOW_PRIVATE = True
    # when
    created = api.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/hook"}, format="json")
    listed = api.get("/api/v1/webhooks/").json()["results"]
    # then
    assert created.json()["secret"].startswith("whsec_")
    assert "secret" not in listed[0]
