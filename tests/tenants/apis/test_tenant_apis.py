from __future__ import annotations

import pytest

from apps.tenants.models import TenantKind
from tests.tenants.factories import ApiKeyFactory, TenantFactory

pytestmark = pytest.mark.django_db


def test_it_returns_the_callers_tenant(api, tenant):
    # when
    response = api.get("/api/v1/tenant/")
    # then
    assert response.status_code == 200
    assert response.json()["slug"] == tenant.slug


def test_it_lists_members_with_cursor_pagination(api, tenant, make_member):
    # given
    for _ in range(3):
        make_member(tenant, role="viewer")
    # when
    first = api.get("/api/v1/members/?page_size=2").json()
    second = api.get(first["next"]).json()
    # then
    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert "count" not in first
    assert {m["id"] for m in first["results"]}.isdisjoint({m["id"] for m in second["results"]})


def test_it_lists_a_partners_clients_only(api_client_for):
    # given
    partner = TenantFactory(slug="partner-x", kind=TenantKind.PARTNER)
    mine = TenantFactory(slug="client-1", parent=partner)
    TenantFactory(slug="someone-else")
    client = api_client_for(partner)
    # when
    listed = client.get("/api/v1/clients/").json()["results"]
    # then
    assert [c["id"] for c in listed] == [mine.id]
    assert client.get(f"/api/v1/clients/{mine.id}/").status_code == 200


def test_it_refuses_clients_to_a_non_partner(api):
    # when
    response = api.get("/api/v1/clients/")
    # then
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_partner"


def test_it_answers_404_for_another_partners_client(api_client_for):
    # given
    partner = TenantFactory(slug="partner-y", kind=TenantKind.PARTNER)
    rival = TenantFactory(slug="partner-z", kind=TenantKind.PARTNER)
    rivals_client = TenantFactory(slug="client-z", parent=rival)
    # when
    response = api_client_for(partner).get(f"/api/v1/clients/{rivals_client.id}/")
    # then
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_answers_404_for_another_tenants_api_key(api, other_tenant):
    # given
    foreign = ApiKeyFactory.issue(tenant=other_tenant).api_key
    # when
    responses = [api.get(f"/api/v1/api-keys/{foreign.id}/"), api.post(f"/api/v1/api-keys/{foreign.id}/revoke/")]
    # then
    assert [r.status_code for r in responses] == [404, 404]
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_it_never_lists_another_tenants_members_or_keys(api, other_api, other_tenant, make_member):
    # given
    make_member(other_tenant, role="owner")
    # when
    members = api.get("/api/v1/members/").json()["results"]
    keys = api.get("/api/v1/api-keys/").json()["results"]
    # then
    assert members == []
    assert [k["id"] for k in keys] == [api.api_key.id]
