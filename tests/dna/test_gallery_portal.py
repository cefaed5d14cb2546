from __future__ import annotations

import pytest

from apps.dna.models import Asset
from apps.signals.models import Point, Stream

pytestmark = pytest.mark.django_db
KEY = "cyber.arp-spoofing"


def test_the_gallery_shows_each_use_case_with_its_picture_and_figures(client_for, tenant, make_member):
    # given
    client = client_for(make_member(tenant, role="viewer"))
    # when
    page = client.get("/dna/templates/?industry=cyber").content.decode()
    detail = client.get(f"/dna/templates/{KEY}/").content.decode()
    # then
    assert page.count('data-testid="template-card"') >= 25
    assert page.count('data-testid="scenario-picture"') >= 25 and 'class="failure"' in page
    assert 'data-kind="anomaly"' in page or 'data-kind="regime_change"' in page
    assert page.count('data-testid="figures"') >= 25 and "False alarms / 1,000 pts" in page
    assert 'data-testid="try-demo"' not in page and 'data-testid="try-demo"' not in detail  # viewers only look
    assert 'data-testid="scenario-picture"' in detail and "A regime change is" in detail


def test_an_analyst_tries_a_template_on_demo_data(client_for, tenant, make_member):
    # given
    client = client_for(make_member(tenant, role="analyst"))
    assert 'data-testid="try-demo"' in client.get("/dna/templates/?industry=cyber").content.decode()
    # when
    response = client.post(f"/dna/templates/{KEY}/demo/", {"regime": "failure", "seed": ""}, follow=True)
    # then
    stream = Stream.objects.get(tenant=tenant)
    assert response.redirect_chain[-1][0] == f"/streams/{stream.pk}/"
    assert "Demo data loaded into the sandbox" in response.content.decode()
    assert Point.objects.filter(stream=stream).count() == 2400
    assert Asset.objects.get(tenant=tenant, key="demo-sandbox")


def test_a_bad_seed_is_explained_and_nothing_is_made(client_for, tenant, make_member):
    # given
    client = client_for(make_member(tenant, role="analyst"))
    # when
    response = client.post(f"/dna/templates/{KEY}/demo/", {"regime": "failure", "seed": "12x"}, follow=True)
    # then
    assert response.redirect_chain[-1][0] == f"/dna/templates/{KEY}/"
    assert "A whole number from 0 to 1,000,000." in response.content.decode()
    assert not Stream.objects.filter(tenant=tenant).exists()


def test_viewers_cannot_load_demo_data_and_other_tenants_see_none(client_for, tenant, other_tenant, make_member):
    # given
    viewer = client_for(make_member(tenant, role="viewer"))
    analyst = client_for(make_member(other_tenant, role="analyst"))
    # when
    refused = viewer.post(f"/dna/templates/{KEY}/demo/", {"regime": "failure"})
    analyst.post(f"/dna/templates/{KEY}/demo/", {"regime": "normal"})
    # then
    assert refused.status_code == 403
    assert not Stream.objects.filter(tenant=tenant).exists()
    assert Stream.objects.filter(tenant=other_tenant).count() == 1
    assert viewer.get(f"/streams/{Stream.objects.get(tenant=other_tenant).pk}/").status_code == 404
