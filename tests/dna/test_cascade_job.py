from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from apps.dna.services.cascade import Cascade, cascade_trim
from apps.lab import services as lab_services
from apps.lab.models import LabJob
from tests.dna.factories import ACTOR, make_asset, make_graph
from tests.ledger.factories import funded_account

pytestmark = pytest.mark.django_db

CHAIN = [("b", "a", "depends_on", 0.5), ("b", "c", "flows_to", 0.8), ("c", "d", "connects", 0.9)]


@pytest.fixture(autouse=True)
def lab_worker(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Artefacts in this test's own folder; jobs sent to the broker are captured (a test runs them itself)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    sent: list[tuple] = []
    monkeypatch.setattr("apps.lab.tasks.job_run.apply_async", lambda args, **options: sent.append(args))
    return sent


def _submit(api, asset_id: int, key: str = "k1", **body: Any):
    return api.post(f"/api/v1/dna/assets/{asset_id}/cascade/jobs/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_cascade_job_runs_the_lab_kind_and_its_frames_match_the_instant_view(api, tenant):
    # given
    assets = make_graph(tenant, CHAIN)
    funded_account(tenant, 100_000)
    # when
    submitted = _submit(api, assets["a"].pk, frames=9, horizon=8.0, rate=1.0)
    job = LabJob.objects.get(pk=submitted.json()["id"])
    ran = lab_services.job_run(job_id=job.pk, delivery="test-1")
    frames = api.get(f"/api/v1/dna/cascade-jobs/{job.pk}/").json()
    instant = api.get(f"/api/v1/dna/assets/{assets['a'].pk}/cascade/?frames=9&horizon=8&rate=1").json()
    # then
    assert submitted.status_code == 202 and job.kind == "graph_cascade" and job.cost_estimate > 0
    assert job.params["source"] == "a" and sorted(map(tuple, job.params["edges"])) == [
        ("b", "a", 0.5), ("b", "c", 0.8), ("c", "d", 0.9)]
    assert ran == "succeeded" and frames["backend"] == f"lab job #{job.pk}"
    assert {n["key"]: n["id"] for n in frames["nodes"]} == {k: a.pk for k, a in assets.items()}
    assert frames["times"] == pytest.approx(instant["times"])
    mine = {n["key"]: i for i, n in enumerate(frames["nodes"])}
    theirs = {n["key"]: i for i, n in enumerate(instant["nodes"])}
    for f in range(9):
        for key in "abcd":
            assert frames["heat"][f][mine[key]] == pytest.approx(instant["heat"][f][theirs[key]], abs=1e-6)
    assert all(abs(sum(frame) - 1) < 1e-9 for frame in frames["heat"])
    assert [frames["arrival"][mine[k]] for k in "abcd"] == pytest.approx([instant["arrival"][theirs[k]]
                                                                          for k in "abcd"])


def test_frames_wait_for_the_job_and_stay_within_the_tenant(api, other_api, tenant):
    # given
    assets = make_graph(tenant, CHAIN)
    funded_account(tenant, 100_000)
    job_id = _submit(api, assets["a"].pk).json()["id"]
    # when
    early = api.get(f"/api/v1/dna/cascade-jobs/{job_id}/")
    foreign_frames = other_api.get(f"/api/v1/dna/cascade-jobs/{job_id}/")
    foreign_submit = _submit(other_api, assets["a"].pk)
    # then
    assert early.status_code == 409 and early.json()["code"] == "cascade_not_ready"
    assert early.json()["extra"]["status"] == "queued"
    assert foreign_frames.status_code == 404 and foreign_submit.status_code == 404


def test_refusals_name_the_field_and_write_nothing(api, tenant):
    # given
    assets = make_graph(tenant, CHAIN)
    lone = make_asset(tenant, "lone")
    # when
    broke = _submit(api, assets["a"].pk, key="k-broke")
    funded_account(tenant, 100_000)
    alone = _submit(api, lone.pk, key="k-lone")
    too_many = _submit(api, assets["a"].pk, key="k-frames", frames=65)
    unknown = _submit(api, assets["a"].pk, key="k-unknown", colour="red")
    no_key = api.post(f"/api/v1/dna/assets/{assets['a'].pk}/cascade/jobs/", {}, format="json")
    # then
    assert broke.status_code == 402 and broke.json()["code"] == "insufficient_ceu"
    assert alone.status_code == 400 and "asset" in alone.json()["extra"]["fields"]
    assert too_many.status_code == 400 and "frames" in too_many.json()["extra"]["fields"]
    assert unknown.status_code == 400 and "colour" in unknown.json()["extra"]["fields"]
    assert no_key.status_code == 400 and no_key.json()["code"] == "idempotency_key_required"
    assert not LabJob.objects.filter(tenant=tenant).exists()


def test_another_kind_of_job_is_not_drawn_as_a_cascade(api, tenant):
    # given
    funded_account(tenant, 100_000)
    job = lab_services.job_submit(actor=ACTOR, tenant=tenant, kind="diffusion2d",
                                  params={"nx": 16, "ny": 16, "t_end": 1.0, "snapshots": 2, "method": "explicit"})
    # when
    response = api.get(f"/api/v1/dna/cascade-jobs/{job.pk}/")
    # then
    assert response.status_code == 400 and response.json()["code"] == "not_a_cascade"


def test_the_graph_page_follows_a_cascade_job_then_draws_it(tenant, make_member):
    # given
    assets = make_graph(tenant, CHAIN)
    funded_account(tenant, 100_000)
    client = Client()
    client.force_login(make_member(tenant, role="analyst"))
    # when
    posted = client.post("/dna/graph/cascade-job/", {"asset": assets["c"].pk, "rate": "2", "horizon": "4",
                                                     "radius": "3"})
    job = LabJob.objects.get(tenant=tenant)
    following = client.get(posted["Location"]).content.decode()
    lab_services.job_run(job_id=job.pk, delivery="test-1")
    drawn = client.get(posted["Location"]).content.decode()
    # then
    assert posted.status_code == 302 and posted["Location"].endswith(f"/dna/graph/?job={job.pk}")
    assert job.params["source"] == "c" and job.params["rate"] == 2.0 and job.params["t_end"] == 4.0
    assert 'data-testid="job-progress"' in following and "/api/v1/lab/jobs/" in following
    assert 'id="cascade-data"' not in following
    assert 'id="cascade-data"' in drawn and f"lab job #{job.pk}" in drawn and "/api/v1/lab/jobs/" not in drawn


def test_a_viewer_cannot_start_a_cascade_job(tenant, make_member):
    # given
    asset = make_asset(tenant, "x")
    client = Client()
    client.force_login(make_member(tenant, role="viewer"))
    # when
    response = client.post("/dna/graph/cascade-job/", {"asset": asset.pk})
    # then
    assert response.status_code == 403 and not LabJob.objects.filter(tenant=tenant).exists()


def test_trimming_keeps_the_assets_reached_first_and_the_links_among_them():
    # given
    cascade = Cascade(nodes=[{"id": i, "key": f"n{i}", "name": "", "kind": "host"} for i in range(4)],
                      links=[{"source": 0, "target": 1, "weight": 1.0}, {"source": 1, "target": 2, "weight": 0.5},
                             {"source": 2, "target": 3, "weight": 0.5}],
                      times=[0.0, 1.0], heat=[[0.0, 1.0, 0.0, 0.0], [0.2, 0.5, 0.2, 0.1]], coherence=[1.0, 0.5],
                      arrival=[1.0, 0.0, 1.0, None], method="spectral", backend="postgres", truncated=False)
    # when
    trimmed = cascade_trim(cascade, 3)
    # then
    assert [n["key"] for n in trimmed.nodes] == ["n0", "n1", "n2"] and trimmed.truncated
    assert trimmed.links == [{"source": 0, "target": 1, "weight": 1.0}, {"source": 1, "target": 2, "weight": 0.5}]
    assert trimmed.heat == [[0.0, 1.0, 0.0], [0.2, 0.5, 0.2]] and trimmed.arrival == [1.0, 0.0, 1.0]
    assert cascade_trim(cascade, 4) is cascade


def test_a_neighbourhood_with_more_links_than_a_job_takes_is_refused_on_the_radius(api, tenant, monkeypatch):
    # given: the lab's edge limit lowered to 2, and a chain of 3 links
    monkeypatch.setattr("apps.dna.services.cascade.LAB_MAX_EDGES", 2)
    assets = make_graph(tenant, CHAIN)
    funded_account(tenant, 100_000)
    # when
    response = _submit(api, assets["a"].pk, radius=6)
    # then
    assert response.status_code == 400 and "Lower the radius" in response.json()["extra"]["fields"]["radius"][0]
    assert not LabJob.objects.filter(tenant=tenant).exists()
