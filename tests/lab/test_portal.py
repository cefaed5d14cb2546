from __future__ import annotations

import re

import pytest

from apps.lab import services
from apps.lab.models import LabJob
from tests.lab.factories import GRAPH, submitted
from tests.ledger.factories import funded_account
from tests.signals.factories import make_stream

pytestmark = pytest.mark.django_db


def _finished(tenant, **kwargs) -> LabJob:
    job = submitted(tenant, **kwargs)
    services.job_run(job_id=job.pk, delivery="task-1")
    job.refresh_from_db()
    return job


def test_the_lab_page_lists_jobs_with_their_progress_and_offers_a_form_per_kind(client_for, tenant, make_member):
    # given
    job = submitted(tenant)
    client = client_for(make_member(tenant, role="analyst"))
    # when
    page = client.get("/lab/").content.decode()
    graph_form = client.get("/lab/?kind=graph_cascade").content.decode()
    # then
    assert f'href="/lab/jobs/{job.pk}/"' in page and 'class="progress"' in page and "Queued" in page
    assert 'name="nx"' in page and 'max="512"' in page and "/api/v1/lab/estimate/" in page
    assert 'name="edges"' in graph_form and "pump-1" in graph_form and 'name="nx"' not in graph_form


def test_the_estimate_button_prices_the_form_without_submitting(client_for, tenant, make_member):
    # given
    funded_account(tenant, 50_000)
    client = client_for(make_member(tenant, role="analyst"))
    form = {"kind": "diffusion2d", "nx": "32", "ny": "32", "t_end": "5", "method": "explicit", "action": "estimate"}
    # when
    response = client.post("/lab/submit/", form)
    # then
    cost = services.job_quote(kind="diffusion2d", params={"nx": 32, "ny": 32, "t_end": 5.0,
                                                         "method": "explicit"}).cost
    assert response.status_code == 200 and f"{cost / 1000:.3f} CEU" in response.content.decode()
    assert not LabJob.objects.exists()


def test_submitting_the_form_queues_the_job_and_opens_its_page(client_for, tenant, make_member):
    # given
    funded_account(tenant, 50_000)
    client = client_for(make_member(tenant, role="analyst"))
    form = {"kind": "graph_cascade", "edges": '[["a", "b"], ["b", "c", 2]]', "source": "a", "t_end": "",
            "action": "submit"}
    # when
    response = client.post("/lab/submit/", form)
    # then
    job = LabJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/lab/jobs/{job.pk}/"
    assert job.params["edges"] == [["a", "b", 1.0], ["b", "c", 2.0]] and job.params["t_end"] == 10.0


def test_bad_form_input_is_shown_next_to_its_field(client_for, tenant, make_member):
    # given
    funded_account(tenant, 50_000)
    client = client_for(make_member(tenant, role="analyst"))
    # when
    response = client.post("/lab/submit/", {"kind": "diffusion2d", "nx": "4096", "action": "submit"})
    broken_json = client.post("/lab/submit/", {"kind": "graph_cascade", "edges": "[[", "source": "a"})
    # then
    assert response.status_code == 400 and 'data-field-error="nx"' in response.content.decode()
    assert "less than or equal to 512" in response.content.decode()
    assert broken_json.status_code == 400 and "Enter valid JSON." in broken_json.content.decode()
    assert not LabJob.objects.exists()


def test_a_job_refused_for_lack_of_ceu_says_so(client_for, tenant, make_member):
    # given
    client = client_for(make_member(tenant, role="analyst"))
    # when
    response = client.post("/lab/submit/", {"kind": "diffusion2d", "action": "submit"})
    # then
    assert response.status_code == 400 and "CEU are available" in response.content.decode()


def test_a_viewer_follows_jobs_but_cannot_submit(client_for, tenant, make_member):
    # given
    client = client_for(make_member(tenant, role="viewer"))
    # when
    page = client.get("/lab/").content.decode()
    refused = client.post("/lab/submit/", {"kind": "diffusion2d"})
    # then
    assert 'id="lab-form"' not in page and refused.status_code == 403


def test_a_running_job_page_shows_a_progress_bar_that_polls_the_api(client_for, tenant, make_member):
    # given
    job = submitted(tenant)
    LabJob.objects.filter(pk=job.pk).update(status="running", progress=42.5, attempts=1)
    client = client_for(make_member(tenant, role="analyst"))
    # when
    page = client.get(f"/lab/jobs/{job.pk}/").content.decode()
    # then
    assert 'aria-valuenow="42.5"' in page and "width:42.5%" in page
    assert f'"/api/v1/lab/jobs/{job.pk}/"' in page and "setTimeout(poll, 1000)" in page
    assert 'data-testid="job-cancel"' in page


def test_a_finished_job_page_shows_pictures_metrics_and_downloads(client_for, tenant, make_member):
    # given
    job = _finished(tenant)
    client = client_for(make_member(tenant, role="viewer"))
    # when
    page = client.get(f"/lab/jobs/{job.pk}/").content.decode()
    picture = client.get(f"/lab/jobs/{job.pk}/artefacts/energy_entropy.png")
    # then
    assert page.count('data-testid="job-picture"') == 3 and "energy drift" in page and "setTimeout" not in page
    assert f'href="/lab/jobs/{job.pk}/artefacts/fields.npz"' in page
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert b"".join(picture.streaming_content).startswith(b"\x89PNG")


def test_a_finished_job_page_shows_each_metric_with_its_unit_and_no_e_notation(client_for, tenant, make_member):
    # given
    job = _finished(tenant)
    client = client_for(make_member(tenant, role="viewer"))
    # when
    run_page = client.get(f"/lab/jobs/{job.pk}/").content.decode()
    LabJob.objects.filter(pk=job.pk).update(metrics={**job.metrics, "cell_updates_per_s": 523456.7,
                                                     "seconds": 0.0123, "energy_drift": 2.5e-16})
    fixed_page = client.get(f"/lab/jobs/{job.pk}/").content.decode()
    # then
    metrics = run_page[run_page.index('data-testid="job-metrics"'):]
    metrics = metrics[:metrics.index("</table>")]
    assert re.search(r'<td class="num">[0-9.,]+( × 10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)? cell updates/s</td>', metrics)
    assert " nats</td>" in metrics and not re.search(r"\d[eE][+-]?\d", metrics)
    assert '<th>cell updates per s</th><td class="num">523,457 cell updates/s</td>' in fixed_page
    assert '<th>seconds</th><td class="num">0.0123 s</td>' in fixed_page
    assert '<th>energy drift</th><td class="num">2.5 × 10⁻¹⁶</td>' in fixed_page


def test_a_graph_job_page_lists_the_assets_in_the_order_they_were_reached(client_for, tenant, make_member):
    # given
    job = _finished(tenant, kind="graph_cascade", params=GRAPH)
    client = client_for(make_member(tenant, role="viewer"))
    # when
    page = client.get(f"/lab/jobs/{job.pk}/").content.decode()
    # then
    assert "First reached" in page and page.index("<td>pump</td>") < page.index("<td>meter</td>")


def test_cancelling_from_the_job_page_releases_the_reservation(client_for, tenant, make_member):
    # given
    job = submitted(tenant)
    client = client_for(make_member(tenant, role="analyst"))
    # when
    response = client.post(f"/lab/jobs/{job.pk}/cancel/")
    # then
    job.refresh_from_db()
    assert response.status_code == 302 and job.status == "cancelled"


def test_another_tenants_job_pages_and_files_are_404(client_for, tenant, other_tenant, make_member):
    # given
    job = _finished(tenant)
    client = client_for(make_member(other_tenant, role="owner"))
    # when
    codes = [client.get(f"/lab/jobs/{job.pk}/").status_code,
             client.get(f"/lab/jobs/{job.pk}/artefacts/fields.npz").status_code,
             client.post(f"/lab/jobs/{job.pk}/cancel/").status_code]
    # then
    assert codes == [404, 404, 404]


def test_the_forecast_forms_offer_the_tenants_models_and_streams_by_name(client_for, tenant, other_tenant, make_member):
    # given
    mine = LabJob.objects.create(tenant=tenant, kind="nvp_train", params={"problem": "diffusion", "size": 16},
                                 status="succeeded", cost_estimate=50, time_limit_s=600)
    theirs = LabJob.objects.create(tenant=other_tenant, kind="nvp_train", params={"problem": "diffusion", "size": 16},
                                   status="succeeded", cost_estimate=50, time_limit_s=600)
    stream = make_stream(tenant, name="turbine-7 bearing")
    client = client_for(make_member(tenant, role="analyst"))
    # when
    nvp_form = client.get("/lab/?kind=nvp_forecast").content.decode()
    telemetry_form = client.get("/lab/?kind=telemetry_forecast").content.decode()
    # then
    assert f'<option value="{mine.pk}"' in nvp_form and f'<option value="{theirs.pk}"' not in nvp_form
    assert f'<option value="{stream.pk}"' in telemetry_form and "turbine-7 bearing" in telemetry_form


def test_a_finished_jobs_page_shows_its_joules_source_and_co2e(client_for, tenant, make_member, settings, tmp_path):
    # given: the power model (no readable RAPL), a static grid
    from apps.ops.energy import sampler
    from apps.ops.models import JobEnergy

    settings.OPS_RAPL_ROOT = str(tmp_path / "none")
    settings.OPS_DEFAULT_REGION = "portal-test"
    settings.OPS_CARBON_PROVIDERS = {"portal-test": {"kind": "static", "gco2_per_kwh": 321.0}}
    sampler._zones.clear()
    queued = submitted(tenant)
    client = client_for(make_member(tenant, role="viewer"))
    before = client.get(f"/lab/jobs/{queued.pk}/").content.decode()
    job = _finished(tenant)
    sampler._zones.clear()
    # when
    page = client.get(f"/lab/jobs/{job.pk}/").content.decode()
    # then
    row = JobEnergy.objects.get(ref_id=job.pk, ref_type="lab.labjob")
    line = re.search(r'data-testid="energy-line">(.*?)</p>', page, re.S).group(1)
    assert 'data-testid="energy-line"' not in before
    assert "(model, <abbr" in line and "estimated</abbr>" in line and "321 g/kWh (static)" in line
    assert re.search(r"Energy <strong>[\d,.]+( × 10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)? J</strong>", line)
    assert row.joules > 0 and "CO₂e" in line and "energy part of the charge" in line


def test_the_estimate_shows_the_energy_part_once_the_kind_was_measured(client_for, tenant, make_member):
    # given
    funded_account(tenant, 100_000)
    _finished(tenant)
    client = client_for(make_member(tenant, role="analyst"))
    form = {"kind": "diffusion2d", "nx": "32", "ny": "32", "t_end": "5", "method": "explicit", "action": "estimate"}
    # when
    page = client.post("/lab/submit/", form).content.decode()
    # then
    assert re.search(r"energy part [\d.]+ CEU \(~[\d,]+ J, measured on 1 job\)", page)
