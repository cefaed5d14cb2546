from __future__ import annotations

import random

import pytest

from apps.ledger.models import Entry
from apps.ops.models import AuditLog, JobEnergy
from apps.signals.models import ChangepointAnalysis
from apps.signals.pricing import changepoint_price
from tests.ledger.factories import funded_account, refreshed
from tests.signals.factories import ingest_segmented, level_shift, make_stream

pytestmark = pytest.mark.django_db

URL = "/api/v1/changepoints/"


def _shift_series(n: int = 200, seed: int = 5) -> dict[str, list[float]]:
    rng = random.Random(seed)
    values = [(10.0 if i < n // 2 else 14.0) + rng.gauss(0, 0.5) for i in range(n)]
    return {"values": values, "timestamps": [1_767_225_600 + 60 * i for i in range(n)]}


def _segmented_stream(tenant):
    stream = make_stream(tenant)
    ingest_segmented(tenant, stream, level_shift(300, 300))
    return stream


def test_a_streams_regimes_are_listed_newest_first_with_their_change(api, tenant):
    # given
    stream = _segmented_stream(tenant)
    # when
    response = api.get(f"/api/v1/streams/{stream.pk}/regimes/")
    # then
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 2 and rows[0]["start_ts"] > rows[1]["start_ts"]
    assert rows[0]["change"]["kind"] == "level" and rows[0]["change"]["summary"].startswith("level +")
    assert rows[1]["change"] is None and rows[1]["mean"] == pytest.approx(50, abs=1)


def test_regimes_are_cursor_paginated(api, tenant):
    # given
    stream = _segmented_stream(tenant)
    # when
    first = api.get(f"/api/v1/streams/{stream.pk}/regimes/?page_size=1").json()
    second = api.get(first["next"]).json()
    # then
    assert len(first["results"]) == len(second["results"]) == 1
    assert first["results"][0]["start_ts"] > second["results"][0]["start_ts"] and second["next"] is None


def test_another_tenants_stream_regimes_answer_404(other_api, tenant):
    # given
    stream = _segmented_stream(tenant)
    # when
    response = other_api.get(f"/api/v1/streams/{stream.pk}/regimes/")
    # then
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_an_analysis_returns_segments_and_change_points_and_charges_its_price(api, tenant):
    # given
    account = funded_account(tenant, 10_000)
    body = _shift_series(200)
    # when
    response = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="cp-1")
    # then
    assert response.status_code == 200, response.json()
    data = response.json()
    assert [c["index"] for c in data["change_points"]] == [pytest.approx(100, abs=3)]
    assert data["change_points"][0]["kind"] == "level" and data["change_points"][0]["summary"].startswith("level +")
    assert data["segments"][0]["start"] == 0 and data["segments"][-1]["end"] == 200
    assert data["charged"] == changepoint_price(200) and data["points"] == 200
    assert refreshed(account).balance == 10_000 - changepoint_price(200)
    record = ChangepointAnalysis.objects.get(pk=data["id"])
    assert (record.tenant_id, record.charged, record.change_points) == (tenant.pk, data["charged"], 1)
    assert AuditLog.objects.filter(action="changepoints.analyse", object_id=str(record.pk)).exists()


def test_a_paid_analysis_records_and_shows_its_energy(api, tenant, settings):
    # given
    settings.OPS_DEFAULT_REGION = "cp-test"
    settings.OPS_CARBON_PROVIDERS = {"cp-test": {"kind": "static", "gco2_per_kwh": 100.0}}
    funded_account(tenant, 10_000)
    # when
    data = api.post(URL, _shift_series(2_000), format="json", HTTP_IDEMPOTENCY_KEY="cp-energy").json()
    # then
    row = JobEnergy.objects.get(ref_type="signals.changepointanalysis", ref_id=data["id"])
    assert (row.tenant_id, row.kind, row.queue, row.size) == (tenant.pk, "signals.changepoints", "web", 2_000)
    assert row.cpu_s > 0 and row.joules > 0 and row.ceu_charged == data["charged"]
    energy = data["energy"]
    assert (energy["joules"], energy["source"], energy["gco2_per_kwh"]) == (row.joules, row.source, 100.0)
    assert energy["co2e_grams"] == pytest.approx(row.joules / 3.6e6 * 100.0)


def test_a_refused_analysis_records_no_energy(api, tenant):
    # given
    funded_account(tenant, 10_000)
    # when
    api.post(URL, {"values": [1, 2, "x"]}, format="json", HTTP_IDEMPOTENCY_KEY="cp-bad")
    # then
    assert not JobEnergy.objects.filter(kind="signals.changepoints").exists()


def test_a_replayed_analysis_answers_the_same_and_is_charged_once(api, tenant):
    # given
    account = funded_account(tenant, 10_000)
    body = _shift_series(120)
    # when
    first = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="cp-replay")
    replay = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="cp-replay")
    # then
    assert first.status_code == replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    assert refreshed(account).balance == 10_000 - changepoint_price(120)
    assert ChangepointAnalysis.objects.filter(tenant=tenant).count() == 1


def test_an_analysis_without_an_idempotency_key_is_refused(api, tenant):
    # given
    funded_account(tenant, 10_000)
    # when
    response = api.post(URL, _shift_series(50), format="json")
    # then
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_required"


@pytest.mark.parametrize(("body", "field", "fragment"), [
    ({"values": []}, "values", "non-empty"),
    ({"values": [1, 2, "x", 4, True]}, "values", "Items 2, 4 is not a finite number"),
    ({"values": [1.0] * 100_001}, "values", "At most 100,000"),
    ({"values": [1, 2, 3], "timestamps": [1, 2]}, "timestamps", "2 timestamps for 3 values"),
    ({"values": [1, 2, 3], "timestamps": [1, 3, 2]}, "timestamps", "Item 2 is not after"),
    ({"values": [1, 2, 3], "timestamps": [1, "yesterday", 3]}, "timestamps", "Item 1 is not Unix seconds"),
    ({"values": [1, 2, 3], "model": "magic"}, "model", "One of auto"),
    ({"values": [1, 2, 3], "penalty": -1}, "penalty", "positive number"),
    ({"values": [1, 2, 3], "colour": "red"}, "colour", "Unknown field"),
])
def test_bad_input_answers_400_with_the_field_and_writes_nothing(api, tenant, body, field, fragment):
    # given
    account = funded_account(tenant, 10_000)
    entries = Entry.objects.count()
    # when
    response = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=f"bad-{field}")
    # then
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid_series" and fragment in " ".join(error["extra"]["fields"][field])
    assert refreshed(account).balance == 10_000 and Entry.objects.count() == entries
    assert not ChangepointAnalysis.objects.exists()
    assert not AuditLog.objects.filter(action="changepoints.analyse").exists()


def test_too_little_ceu_answers_402_and_writes_nothing(api, tenant):
    # given
    account = funded_account(tenant, changepoint_price(200) - 1)
    # when
    response = api.post(URL, _shift_series(200), format="json", HTTP_IDEMPOTENCY_KEY="poor")
    # then
    assert response.status_code == 402
    error = response.json()
    assert error["code"] == "insufficient_ceu" and error["extra"]["required"] == changepoint_price(200)
    assert refreshed(account).balance == changepoint_price(200) - 1
    assert not ChangepointAnalysis.objects.exists()


def test_a_read_only_key_may_not_buy_an_analysis(api_client_for, tenant):
    # given
    funded_account(tenant, 10_000)
    reader = api_client_for(tenant, scopes=("read",))
    # when
    response = reader.post(URL, _shift_series(50), format="json", HTTP_IDEMPOTENCY_KEY="ro")
    # then
    assert response.status_code == 403 and not ChangepointAnalysis.objects.exists()


def test_alerts_can_be_listed_by_kind(api, tenant):
    # given
    stream = _segmented_stream(tenant)
    # when
    regime = api.get(f"/api/v1/alerts/?stream={stream.pk}&kind=regime_change").json()["results"]
    anomalies = api.get(f"/api/v1/alerts/?stream={stream.pk}&kind=anomaly").json()["results"]
    bad = api.get("/api/v1/alerts/?kind=spike")
    # then
    assert len(regime) == 1 and regime[0]["kind"] == "regime_change" and regime[0]["delay_points"] >= 1
    assert all(a["kind"] == "anomaly" for a in anomalies)
    assert bad.status_code == 400 and "kind" in bad.json()["extra"]["fields"]


def test_missing_values_and_iso_timestamps_are_accepted(api, tenant):
    # given: a shift at row 40, two values missing, irregular ISO 8601 times
    funded_account(tenant, 10_000)
    body = _shift_series(80, seed=9)
    body["values"][10] = body["values"][55] = None
    body["timestamps"] = [f"2026-01-01T{i // 60:02d}:{i % 60:02d}:{(7 * i) % 50:02d}Z" for i in range(80)]
    # when
    response = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="gaps")
    # then
    data = response.json()
    assert response.status_code == 200, data
    assert [c["index"] for c in data["change_points"]] == [pytest.approx(40, abs=3)]
    assert sum(s["n"] for s in data["segments"]) == 78 and data["segments"][-1]["end"] == 80
