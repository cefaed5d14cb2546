from __future__ import annotations

import io
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from apps.lab import services
from apps.lab.models import LabJob
from apps.ledger.models import Hold
from tests.lab.factories import SMALL_DIFFUSION, submitted
from tests.ledger.factories import funded_account

pytestmark = pytest.mark.django_db
BODY = {"kind": "diffusion2d", "params": SMALL_DIFFUSION}


def _finished(tenant) -> LabJob:
    job = submitted(tenant)
    services.job_run(job_id=job.pk, delivery="task-1")
    job.refresh_from_db()
    return job


def test_the_estimate_prices_a_job_without_submitting_it(api, tenant):
    # given
    funded_account(tenant, 1_000)
    # when
    response = api.post("/api/v1/lab/estimate/", BODY, format="json")
    # then
    body = response.json()
    assert response.status_code == 200 and body["cost"] == services.job_quote(**BODY).cost
    assert body["method"] == "explicit" and body["dt"] == 0.225 and body["available"] == 1_000 and body["sufficient"]
    assert body["params"]["boundary"] == "periodic" and body["time_limit_s"] == 600
    assert not LabJob.objects.exists()


def test_bad_parameters_answer_400_naming_each_field(api):
    # when
    response = api.post("/api/v1/lab/estimate/", {"kind": "diffusion2d", "params": {"nx": 9999, "wat": 1}},
                        format="json")
    unknown_kind = api.post("/api/v1/lab/estimate/", {"kind": "fusion"}, format="json")
    # then
    assert response.status_code == 400 and response.json()["code"] == "invalid_params"
    assert set(response.json()["extra"]["fields"]) == {"params.nx", "params.wat"}
    assert unknown_kind.status_code == 400 and "kind" in unknown_kind.json()["extra"]["fields"]


def test_submitting_needs_an_idempotency_key_and_a_replay_makes_no_second_job(api, tenant):
    # given
    funded_account(tenant, 100_000)
    # when
    keyless = api.post("/api/v1/lab/jobs/", BODY, format="json")
    first = api.post("/api/v1/lab/jobs/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="job-1")
    replay = api.post("/api/v1/lab/jobs/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="job-1")
    # then
    assert keyless.status_code == 400 and keyless.json()["code"] == "idempotency_key_required"
    assert first.status_code == replay.status_code == 202 and replay["Idempotent-Replayed"] == "true"
    assert first.json()["status"] == "queued" and first.json()["progress"] == 0
    assert LabJob.objects.count() == 1 and Hold.objects.filter(tenant=tenant).count() == 1


def test_too_little_ceu_answers_400_and_creates_nothing(api, tenant):
    # given
    funded_account(tenant, 3)
    # when
    response = api.post("/api/v1/lab/jobs/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="poor")
    # then
    assert response.status_code == 402 and response.json()["code"] == "insufficient_ceu"
    assert response.json()["extra"]["available"] == 3 and not LabJob.objects.exists()


def test_a_read_only_key_may_estimate_and_follow_but_not_submit(api_client_for, tenant):
    # given
    reader = api_client_for(tenant, scopes=("read",))
    funded_account(tenant, 100_000)
    # when
    estimate = reader.post("/api/v1/lab/estimate/", BODY, format="json")
    submit = reader.post("/api/v1/lab/jobs/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    listing = reader.get("/api/v1/lab/jobs/")
    # then
    assert estimate.status_code == 200 and listing.status_code == 200 and submit.status_code == 403


def test_a_finished_job_shows_progress_metrics_and_artefact_links(api, tenant):
    # given
    job = _finished(tenant)
    # when
    body = api.get(f"/api/v1/lab/jobs/{job.pk}/").json()
    # then
    assert body["status"] == "succeeded" and body["progress"] == 100 and body["charged"] == job.charged
    assert body["metrics"]["energy_drift"] < 1e-13
    links = {a["name"]: a["url"] for a in body["artefacts"]}
    assert links["fields.npz"] == f"/api/v1/lab/jobs/{job.pk}/artefacts/fields.npz/"
    assert "path" not in body["artefacts"][0]


def test_artefacts_download_from_the_storage(api, tenant):
    # given
    job = _finished(tenant)
    # when
    arrays = api.get(f"/api/v1/lab/jobs/{job.pk}/artefacts/fields.npz/")
    picture = api.get(f"/api/v1/lab/jobs/{job.pk}/artefacts/field_final.png/", HTTP_ACCEPT="image/png")
    missing = api.get(f"/api/v1/lab/jobs/{job.pk}/artefacts/secrets.txt/")
    traversal = api.get(f"/api/v1/lab/jobs/{job.pk}/artefacts/..%2F..%2Fsettings.py/")
    # then
    assert arrays.status_code == 200 and "attachment" in arrays["Content-Disposition"]
    assert np.load(io.BytesIO(b"".join(arrays.streaming_content)))["fields"].shape == (4, 32, 32)
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert b"".join(picture.streaming_content)[:4] == b"\x89PNG"
    assert missing.status_code == 404 and traversal.status_code == 404


def test_jobs_list_newest_first_and_filter_by_status(api, tenant):
    # given
    done = _finished(tenant)
    queued = submitted(tenant, fund=0)
    # when
    everything = api.get("/api/v1/lab/jobs/").json()["results"]
    succeeded = api.get("/api/v1/lab/jobs/?status=succeeded").json()["results"]
    bad = api.get("/api/v1/lab/jobs/?status=sleeping")
    # then
    assert [j["id"] for j in everything] == [queued.pk, done.pk]
    assert [j["id"] for j in succeeded] == [done.pk] and bad.status_code == 400


def test_cancelling_through_the_api_releases_the_hold(api, tenant):
    # given
    job = submitted(tenant)
    # when
    response = api.post(f"/api/v1/lab/jobs/{job.pk}/cancel/")
    again = api.post(f"/api/v1/lab/jobs/{job.pk}/cancel/")
    # then
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert again.status_code == 409 and again.json()["code"] == "invalid_job_state"
    assert Hold.objects.get(pk=job.hold_id).status == "voided"


def test_another_tenants_jobs_and_artefacts_are_404(api, other_api, tenant):
    # given
    job = _finished(tenant)
    # when
    responses = [other_api.get(f"/api/v1/lab/jobs/{job.pk}/"),
                 other_api.post(f"/api/v1/lab/jobs/{job.pk}/cancel/"),
                 other_api.get(f"/api/v1/lab/jobs/{job.pk}/artefacts/fields.npz/")]
    listed = other_api.get("/api/v1/lab/jobs/").json()["results"]
    # then
    assert [r.status_code for r in responses] == [404, 404, 404] and listed == []


def test_the_kinds_endpoint_lists_every_kind_with_its_schema(api):
    # when
    kinds = {k["name"]: k for k in api.get("/api/v1/lab/kinds/").json()}
    # then
    assert {"diffusion2d", "gray_scott", "advection_diffusion", "graph_cascade"} <= set(kinds)
    assert kinds["graph_cascade"]["params"]["edges"]["max_length"] == 50_000


def test_a_job_shows_its_energy_once_finished(api, tenant, other_api):
    # given
    queued = submitted(tenant)
    before = api.get(f"/api/v1/lab/jobs/{queued.pk}/").json()
    services.job_run(job_id=queued.pk, delivery="task-1")
    # when
    body = api.get(f"/api/v1/lab/jobs/{queued.pk}/").json()
    foreign = other_api.get(f"/api/v1/lab/jobs/{queued.pk}/")
    # then
    assert before["energy"] is None
    energy = body["energy"]
    assert energy["joules"] > 0 and energy["source"] in ("model", "rapl", "nvml+model", "nvml+rapl")
    assert energy["estimated"] == (energy["source"] == "model" or energy["source"].endswith("+model"))
    assert energy["co2e_grams"] == pytest.approx(energy["joules"] / 3.6e6 * energy["gco2_per_kwh"])
    assert energy["ceu_charged"] == body["charged"] and 0 <= energy["ceu_energy"] <= body["charged"]
    assert foreign.status_code == 404


def test_the_estimate_shows_the_energy_part_once_a_job_of_the_kind_was_measured(api, tenant):
    # given
    funded_account(tenant, 100_000)
    first = api.post("/api/v1/lab/estimate/", BODY, format="json").json()
    _finished(tenant)
    # when
    second = api.post("/api/v1/lab/estimate/", BODY, format="json").json()
    # then
    assert first["energy"] is None
    assert second["energy"]["samples"] >= 1 and second["energy"]["joules"] > 0
    assert 0 <= second["energy"]["ceu_energy"] <= second["cost"]


def test_the_estimates_run_time_is_the_one_the_deadline_check_uses(api, tenant):
    # given: one measured job; with fewer than three runs the scheduler plans on its prior
    funded_account(tenant, 100_000)
    _finished(tenant)
    quote = api.post("/api/v1/lab/estimate/", BODY, format="json").json()
    # when: a flexible job whose deadline is too soon
    refused = api.post("/api/v1/lab/jobs/", {**BODY, "flexible": True,
                                            "deadline": (timezone.now() + timedelta(seconds=1)).isoformat()},
                       format="json", HTTP_IDEMPOTENCY_KEY="too-soon-1")
    # then: the refusal names the duration the quote showed
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_schedule"
    assert refused.json()["extra"]["expected_duration_s"] == pytest.approx(quote["energy"]["wall_s"], abs=0.05)
