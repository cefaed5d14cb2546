"""Pages that used to end nowhere: each now leads somewhere or says who can act."""
from __future__ import annotations

import pytest

from apps.signals.models import Stream
from tests.signals.factories import make_stream

pytestmark = pytest.mark.django_db


def test_an_analyst_creates_a_stream_from_the_streams_page(client_for, tenant, make_member):
    # given
    client = client_for(make_member(tenant, role="analyst"))
    # when
    form = client.get("/streams/").content.decode()
    created = client.post("/streams/create/", {"name": "pump-3 pressure", "kind": "numeric", "units": "bar",
                                               "window_size": "60", "value_low": "0", "value_high": "12"})
    # then
    stream = Stream.objects.get(tenant=tenant, name="pump-3 pressure")
    assert 'data-testid="stream-create"' in form
    assert created.status_code == 302 and created["Location"] == f"/streams/{stream.pk}/"
    assert stream.units == "bar" and (stream.value_low, stream.value_high) == (0.0, 12.0)


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "x", "kind": "numeric", "window_size": "4"}, "greater than or equal to 8"),
    ({"name": "x", "kind": "numeric", "window_size": "60", "value_low": "5"}, "Give both ends of the range"),
    ({"name": "dup", "kind": "numeric", "window_size": "60"}, "A stream named &#x27;dup&#x27; exists."),
])
def test_a_refused_stream_comes_back_with_the_reason(client_for, tenant, make_member, data, message):
    # given
    make_stream(tenant, name="dup")
    client = client_for(make_member(tenant, role="analyst"))
    # when
    response = client.post("/streams/create/", data)
    # then
    assert response.status_code == 400 and message in response.content.decode()
    assert Stream.objects.filter(tenant=tenant).count() == 1


def test_a_viewer_cannot_create_a_stream_and_sees_no_form(client_for, tenant, make_member):
    # given
    client = client_for(make_member(tenant, role="viewer"))
    # when
    page = client.get("/streams/").content.decode()
    refused = client.post("/streams/create/", {"name": "x", "kind": "numeric", "window_size": "60"})
    # then
    assert 'data-testid="stream-create"' not in page and refused.status_code == 403
    assert not Stream.objects.exists()


def test_a_viewers_lab_page_says_who_can_submit_instead_of_pointing_below(client_for, tenant, make_member):
    # when
    page = client_for(make_member(tenant, role="viewer")).get("/lab/").content.decode()
    # then
    assert "Choose a kind below" not in page and "Analysts, admins and owners submit jobs" in page


def test_the_header_names_the_current_tenant(client_for, tenant, make_member):
    # when
    page = client_for(make_member(tenant, role="viewer")).get("/streams/").content.decode()
    # then
    assert f'data-testid="current-tenant" title="Current tenant: switch on Home">{tenant.name}<' in page


def test_staff_get_a_back_office_link_and_members_do_not(client_for, tenant, make_member):
    # given
    staff = make_member(tenant, role="owner", is_staff=True)
    member = make_member(tenant, role="owner")
    # when
    staff_page = client_for(staff).get("/").content.decode()
    member_page = client_for(member).get("/").content.decode()
    # then
    assert 'data-testid="nav-back-office"' in staff_page and 'href="/admin/"' in staff_page
    assert 'data-testid="nav-back-office"' not in member_page


def test_a_template_applied_without_an_asset_goes_to_the_streams_it_made(client_for, tenant, make_member):
    # given
    client = client_for(make_member(tenant, role="analyst"))
    # when
    response = client.post("/dna/templates/cyber.port-scan/instantiate/", {"name_prefix": "edge"})
    page = client.get(response["Location"]).content.decode()
    # then
    stream = Stream.objects.get(tenant=tenant, name="edge destination port")
    assert response.status_code == 302 and response["Location"] == f"/streams/?new={stream.pk}"
    assert 'data-testid="new-stream"' in page and "Template applied: 1 stream(s) created, 0 bound." in page


def test_a_new_webhook_shows_its_secret_once_and_a_refresh_adds_no_second_endpoint(client_for, tenant, make_member,
                                                                                   settings):
    # given: a receiver on this machine, which only the operator's setting admits (no DNS here for a public name)
    from apps.signals.models import WebhookEndpoint

    settings.WEBHOOK_ALLOW_PRIVATE = True
    client = client_for(make_member(tenant, role="owner"))
    # when
    created = client.post("/webhooks/create/", {"url": "http://127.0.0.1:9/hook", "description": "SIEM"})
    shown = client.get(created["Location"]).content.decode()
    refreshed = client.get(created["Location"]).content.decode()
    # then
    endpoint = WebhookEndpoint.objects.get(tenant=tenant)
    assert created.status_code == 302 and created["Location"] == "/webhooks/"
    assert f'data-testid="webhook-secret">{endpoint.secret}<' in shown and 'data-copy="webhook-secret"' in shown
    assert endpoint.secret not in refreshed and WebhookEndpoint.objects.count() == 1
