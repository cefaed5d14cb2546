"""The portal's Energy page and its CSV: who sees which tenant's figures, filters, pages, and the export."""
from __future__ import annotations

import csv
import io
import json
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from tests.ops.energy_factories import job_energy
from tests.tenants.factories import PartnerFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Partner P", slug="partner-p")


@pytest.fixture
def client_tenant(partner):
    return TenantFactory(name="Client C", slug="client-c", parent=partner)


def refs(response) -> set[int]:
    return {row.ref_id for row, _ in response.context["rows"]}


def csv_rows(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_a_tenant_sees_only_its_own_work(tenant, other_tenant, make_member, client_for):
    # given
    mine = job_energy(tenant, ref_id=1)
    job_energy(other_tenant, ref_id=2)
    # when
    response = client_for(make_member(tenant, "viewer")).get("/energy/")
    # then
    assert response.status_code == 200
    assert refs(response) == {mine.ref_id}
    assert response.context["totals"].jobs == 1 and response.context["totals"].joules == mine.joules


def test_a_partner_sees_its_clients_figures_and_may_filter_by_client(partner, client_tenant, other_tenant,
                                                                    make_member, client_for):
    # given
    job_energy(partner, ref_id=10)
    job_energy(client_tenant, ref_id=11)
    job_energy(other_tenant, ref_id=12)
    browser = client_for(make_member(partner, "analyst"))
    # when
    everything = browser.get("/energy/")
    one_client = browser.get(f"/energy/?tenant={client_tenant.pk}")
    # then
    assert refs(everything) == {10, 11}
    assert b"Client C" in everything.content and b"You and your clients" in everything.content
    assert refs(one_client) == {11}


def test_another_tenants_figures_answer_404_on_the_page_and_the_csv(partner, client_tenant, other_tenant,
                                                                   make_member, client_for):
    # given
    job_energy(other_tenant, ref_id=20)
    as_partner = client_for(make_member(partner))
    as_client = client_for(make_member(client_tenant))
    # when
    answers = [as_partner.get(f"/energy/?tenant={other_tenant.pk}"),
               as_partner.get(f"/energy/export.csv?tenant={other_tenant.pk}"),
               as_client.get(f"/energy/?tenant={partner.pk}"),
               as_client.get(f"/energy/export.csv?tenant={partner.pk}")]
    # then
    assert [a.status_code for a in answers] == [404, 404, 404, 404]


def test_a_client_sees_neither_its_partner_nor_a_sibling(partner, client_tenant, make_member, client_for):
    # given
    sibling = TenantFactory(name="Client D", slug="client-d", parent=partner)
    job_energy(partner, ref_id=30)
    job_energy(sibling, ref_id=31)
    job_energy(client_tenant, ref_id=32)
    # when
    response = client_for(make_member(client_tenant, "viewer")).get("/energy/")
    # then
    assert refs(response) == {32}
    assert b"energy-tenant" not in response.content


def test_period_and_kind_filters(tenant, make_member, client_for):
    # given
    now = timezone.now()
    job_energy(tenant, ref_id=40, kind="lab.diffusion2d", finished_at=now - timedelta(days=2))
    job_energy(tenant, ref_id=41, kind="capsule.regime_monitor", finished_at=now - timedelta(days=3))
    job_energy(tenant, ref_id=42, kind="lab.diffusion2d", finished_at=now - timedelta(days=20))
    browser = client_for(make_member(tenant))
    day = (now - timedelta(days=20)).date().isoformat()
    # when
    week = browser.get("/energy/?period=7d")
    month = browser.get("/energy/?period=30d")
    capsules = browser.get("/energy/?period=30d&kind=capsule")
    one_kind = browser.get("/energy/?period=30d&kind=lab.diffusion2d")
    custom = browser.get(f"/energy/?period=custom&start={day}&end={day}")
    # then
    assert refs(week) == {40, 41} and refs(month) == {40, 41, 42}
    assert refs(capsules) == {41} and refs(one_kind) == {40, 42} and refs(custom) == {42}


@pytest.mark.parametrize("query, field", [("period=custom&start=2026-03-02&end=2026-03-01", "end"),
                                          ("period=custom&end=2026-03-01", "start"),
                                          ("period=custom&start=2024-01-01&end=2026-01-01", "end"),
                                          ("period=forever", "period"), ("tenant=abc", "tenant")])
def test_bad_filters_answer_400_with_the_fields_message(tenant, make_member, client_for, query, field):
    # given
    browser = client_for(make_member(tenant))
    # when
    page, export = browser.get(f"/energy/?{query}"), browser.get(f"/energy/export.csv?{query}")
    # then
    assert page.status_code == 400 and field in page.context["form"].errors
    assert export.status_code == 400 and export.content.decode().startswith(f"{field}:")


def test_the_trend_sums_each_day_and_shows_idle_days_as_zero(tenant, make_member, client_for):
    # given
    today = timezone.now().astimezone(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    job_energy(tenant, ref_id=50, joules=3600.0, finished_at=today - timedelta(days=2))
    job_energy(tenant, ref_id=51, joules=7200.0, finished_at=today - timedelta(days=2, hours=1))
    job_energy(tenant, ref_id=52, joules=1800.0, finished_at=today)
    # when
    response = client_for(make_member(tenant)).get("/energy/?period=7d")
    # then
    points = response.context["trend"]["energy"]["series"][0]["points"]
    values = [round(v, 6) for _, v in points]
    assert len(points) == 8 and values[:4] == [0.0] * 4 and values[4:] == [3.0, 0.0, 0.5, 0.5]
    assert points[-1][0] - points[-2][0] == 86_400_000  # the last point closes today
    embedded = json.loads(response.content.decode().split('id="energy-trend" type="application/json">')[1]
                          .split("</script>")[0])
    assert embedded["series"][0]["points"] == points


def test_totals_per_kind_of_work_put_the_most_energy_first(tenant, other_tenant, make_member, client_for):
    # given
    job_energy(tenant, ref_id=80, kind="capsule.regime_monitor", joules=1000.0, ceu_charged=300)
    job_energy(tenant, ref_id=81, kind="capsule.regime_monitor", joules=2000.0, ceu_charged=200, source="rapl")
    job_energy(tenant, ref_id=82, kind="lab.diffusion2d", joules=9000.0)
    job_energy(other_tenant, ref_id=83, kind="capsule.regime_monitor", joules=50_000.0)
    # when
    response = client_for(make_member(tenant)).get("/energy/")
    # then
    by_kind = [(k.kind, k.jobs, k.estimated_jobs, k.joules, k.ceu_charged) for k in response.context["by_kind"]]
    assert by_kind == [("lab.diffusion2d", 1, 1, 9000.0, 1000), ("capsule.regime_monitor", 2, 1, 3000.0, 500)]


def test_estimated_figures_are_marked(tenant, make_member, client_for):
    # given
    job_energy(tenant, ref_id=60, source="model")
    job_energy(tenant, ref_id=61, source="rapl")
    # when
    response = client_for(make_member(tenant)).get("/energy/")
    # then
    assert response.content.count(b'data-testid="estimated"') == 1
    assert b"1 of 2 estimated" in response.content


def test_pages_follow_each_other_without_gaps_or_repeats(tenant, make_member, client_for):
    # given
    start = timezone.now() - timedelta(hours=1)
    for i in range(53):
        job_energy(tenant, ref_id=100 + i, finished_at=start + timedelta(seconds=i // 2))  # ties on time
    browser = client_for(make_member(tenant))
    # when
    first = browser.get("/energy/")
    second = browser.get(f"/energy/{first.context['older']}")
    # then
    assert len(refs(first)) == 50 and first.context["older"] and second.context["older"] is None
    assert refs(first) | refs(second) == set(range(100, 153)) and not refs(first) & refs(second)


def test_the_csv_streams_every_row_of_the_filters(partner, client_tenant, other_tenant, make_member, client_for):
    # given
    client_tenant.name = "=HYPERLINK(\"http://evil\")"
    client_tenant.save()
    for i in range(3):
        job_energy(client_tenant, ref_id=200 + i, kind="capsule.regime_monitor", ceu_charged=1500)
    job_energy(partner, ref_id=210, kind="lab.diffusion2d")
    job_energy(other_tenant, ref_id=211, kind="capsule.regime_monitor")
    # when
    response = client_for(make_member(partner)).get("/energy/export.csv?period=30d&kind=capsule")
    rows = csv_rows(response)
    # then
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="energy-')
    assert sorted(int(r["ref_id"]) for r in rows) == [200, 201, 202]
    assert all(r["tenant"].startswith("'=") for r in rows)
    assert rows[0]["ceu_charged_minor"] == "1500" and float(rows[0]["kwh"]) == float(rows[0]["joules"]) / 3.6e6


def test_own_lab_jobs_and_capsule_runs_link_to_their_pages_but_a_clients_do_not(partner, client_tenant,
                                                                                 make_member, client_for):
    # given
    job_energy(partner, ref_id=70, kind="lab.diffusion2d", ref_type="lab.labjob")
    job_energy(partner, ref_id=71, kind="capsule.regime_monitor", ref_type="capsules.capsulerun")
    job_energy(partner, ref_id=72, kind="signals.changepoints", ref_type="signals.changepointanalysis")
    job_energy(client_tenant, ref_id=73, kind="lab.diffusion2d", ref_type="lab.labjob")
    # when
    response = client_for(make_member(partner)).get("/energy/")
    # then
    links = {row.ref_id: url for row, url in response.context["rows"]}
    assert links == {70: "/lab/jobs/70/", 71: "/capsules/runs/71/", 72: "", 73: ""}


def test_the_energy_link_is_in_the_navigation(tenant, make_member, client_for):
    # when
    response = client_for(make_member(tenant)).get("/")
    # then
    assert b'data-testid="nav-energy"' in response.content and b'href="/energy/"' in response.content


def test_it_needs_a_signed_in_member(client, tenant):
    # when
    response = client.get("/energy/")
    # then
    assert response.status_code == 302 and "/login/" in response["Location"]


