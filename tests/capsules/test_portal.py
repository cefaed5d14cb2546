from __future__ import annotations

import json
import re

import pytest

from apps.capsules import services
from apps.capsules.models import Capsule, CapsuleRun
from tests.capsules.factories import ACTOR, make_capsule, partner_with_client, platform, stream_with_points
from tests.ledger.factories import funded_account

pytestmark = pytest.mark.django_db


def test_the_catalogue_lists_capsules_with_prices_in_ceu(client_for, tenant, make_member):
    # given
    make_capsule(platform(), price_per_run=1_500)
    client = client_for(make_member(tenant, role="viewer"))
    # when
    page = client.get("/capsules/").content.decode()
    # then
    assert "Regime monitor" in page and "1.500" in page and 'data-testid="capsule-row"' in page


def test_an_analyst_runs_a_capsule_from_its_page(client_for, tenant, make_member):
    # given
    capsule = make_capsule(platform())
    stream = stream_with_points(tenant, n=100)
    funded_account(tenant, 100_000)
    client = client_for(make_member(tenant, role="analyst"))
    # when
    response = client.post(f"/capsules/{capsule.pk}/run/", {"streams": [stream.pk], "start": "2023-11-14T00:00"})
    # then
    run = CapsuleRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/capsules/runs/{run.pk}/"
    assert run.inputs["requested"]["start"] == "2023-11-14T00:00:00+00:00"
    assert "reserved" in client.get(response["Location"]).content.decode()


def test_a_run_refused_for_lack_of_ceu_explains_itself(client_for, tenant, make_member):
    # given
    capsule = make_capsule(platform())
    stream = stream_with_points(tenant, n=100)
    client = client_for(make_member(tenant, role="analyst"))
    # when
    response = client.post(f"/capsules/{capsule.pk}/run/", {"streams": [stream.pk]}, follow=True)
    # then
    assert "Buy CEU on the billing page" in response.content.decode() and not CapsuleRun.objects.exists()


def test_the_usage_page_draws_ceu_per_capsule_per_day(client_for, tenant, make_member):
    # given
    capsule = make_capsule(platform())
    stream = stream_with_points(tenant, n=100)
    funded_account(tenant, 100_000)
    run = services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk,
                                     inputs={"streams": [stream.pk]})
    services.capsule_run_execute(run_id=run.pk)
    run.refresh_from_db()
    # when
    page = client_for(make_member(tenant, role="viewer")).get("/capsules/usage/").content.decode()
    # then
    chart = json.loads(re.search(r'<script id="usage-data" type="application/json">(.*?)</script>', page,
                                 re.S).group(1))
    assert chart["series"][0]["name"] == "Regime monitor 1.0.0 (CEU)" and len(chart["series"][0]["points"]) == 30
    assert chart["series"][0]["points"][-1][1] == run.charged / 1000
    assert 'data-chart="line"' in page


def test_a_partner_creates_and_publishes_from_the_portal(client_for, make_member):
    # given
    partner, _client_tenant = partner_with_client()
    client = client_for(make_member(partner, role="owner"))
    # when
    created = client.post("/capsules/manage/create/", {
        "name": "Helios monitor", "version": "1.0.0", "kind": "regime_monitor", "description": "",
        "price_per_run": "0.5", "price_per_stream_day": "0", "price_per_1k_points": "1.25",
        "price_per_gpu_second": "0", "energy_per_run_wh": "0.2"})
    capsule = Capsule.objects.get()
    published = client.post(f"/capsules/manage/{capsule.pk}/publish/")
    # then
    capsule.refresh_from_db()
    assert created.status_code == published.status_code == 302
    assert (capsule.price_per_run, capsule.price_per_1k_points, capsule.state) == (500, 1_250, "published")


def test_another_tenants_run_page_is_404(client_for, tenant, other_tenant, make_member):
    # given
    capsule = make_capsule(platform())
    stream = stream_with_points(other_tenant, n=100)
    funded_account(other_tenant, 100_000)
    run = services.capsule_run_start(actor=ACTOR, tenant=other_tenant, capsule_id=capsule.pk,
                                     inputs={"streams": [stream.pk]})
    client = client_for(make_member(tenant))
    # when / then
    assert client.get(f"/capsules/runs/{run.pk}/").status_code == 404


def test_a_capsule_page_lists_its_inputs_for_people_not_a_python_dict(client_for, tenant, make_member):
    # given
    capsule = make_capsule(platform())
    client = client_for(make_member(tenant, role="viewer"))
    # when
    page = client.get(f"/capsules/{capsule.pk}/").content.decode()
    # then
    assert 'data-testid="capsule-inputs"' in page and "Ids of your telemetry streams to analyse." in page
    assert "list of integers" in page and "{&#x27;type&#x27;" not in page
    assert "&quot;type&quot;: &quot;object&quot;" in page


def test_a_settled_runs_page_shows_its_energy_line(client_for, tenant, make_member, settings, tmp_path):
    # given
    from apps.ops.energy import sampler

    settings.OPS_RAPL_ROOT = str(tmp_path / "none")
    sampler._zones.clear()
    stream = stream_with_points(tenant, n=100)
    funded_account(tenant, 100_000)
    run = services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=make_capsule(platform()).pk,
                                     inputs={"streams": [stream.pk]})
    services.capsule_run_execute(run_id=run.pk)
    sampler._zones.clear()
    client = client_for(make_member(tenant, role="viewer"))
    # when
    page = client.get(f"/capsules/runs/{run.pk}/").content.decode()
    # then
    assert 'data-testid="energy-line"' in page and "Wh estimated" in page and "estimated</abbr>" in page


def test_a_capsule_page_shows_the_energy_part_of_a_typical_run_once_one_was_measured(client_for, tenant,
                                                                                     make_member):
    # given
    capsule = make_capsule(platform())
    client = client_for(make_member(tenant, role="viewer"))
    before = client.get(f"/capsules/{capsule.pk}/").content.decode()
    stream = stream_with_points(tenant, n=100)
    funded_account(tenant, 100_000)
    run = services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk,
                                     inputs={"streams": [stream.pk]})
    services.capsule_run_execute(run_id=run.pk)
    # when
    page = client.get(f"/capsules/{capsule.pk}/").content.decode()
    # then
    assert 'data-testid="capsule-energy-part"' not in before
    assert re.search(r"[\d.]+ CEU for a typical run of this kind \(~[\d,]+ J, from 1 measured run on", page)
