"""/alerts/: filters, keyset pages, bulk acknowledge, and links to the stream chart at the alert's moment."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from apps.ops.models import AuditLog
from apps.signals import services
from apps.signals.models import Alert
from tests.signals.factories import ACTOR, T0, make_alert, make_stream, wave

pytestmark = pytest.mark.django_db


def _ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="alert" value="(\d+)"', page)]


def test_filters_narrow_by_stream_severity_status_and_period(client_for, tenant, make_member):
    # given
    now = timezone.now()
    cpu, disk = make_stream(tenant, name="cpu"), make_stream(tenant, name="disk")
    wanted = make_alert(cpu, now - timedelta(hours=2), severity="high")
    make_alert(cpu, now - timedelta(hours=3), severity="low")
    make_alert(disk, now - timedelta(hours=2), severity="high")
    make_alert(cpu, now - timedelta(days=3), severity="high")
    make_alert(cpu, now - timedelta(hours=1), severity="high", status="resolved")
    client = client_for(make_member(tenant, role="analyst"))
    # when
    page = client.get(f"/alerts/?stream={cpu.pk}&severity=high&status=open&period=24h").content.decode()
    everything = client.get("/alerts/?status=all").content.decode()
    # then
    assert _ids(page) == [wanted.pk]
    assert everything.count('data-testid="alert-row"') == 5


def test_pages_follow_newest_first_without_repeats_or_gaps(client_for, tenant, make_member, monkeypatch):
    # given: more alerts than a page, two sharing one timestamp across the page boundary
    monkeypatch.setattr("apps.portal.pages.alerts.PAGE_SIZE", 3)
    stream, now = make_stream(tenant), timezone.now()
    made = [make_alert(stream, now - timedelta(minutes=m)) for m in (1, 2, 3, 3, 4, 5, 6)]
    client = client_for(make_member(tenant, role="analyst"))
    # when
    seen, url, pages = [], "/alerts/", 0
    while url and pages < 5:
        page = client.get(url).content.decode()
        seen += _ids(page)
        older = re.search(r'href="([^"]+)" data-testid="alerts-older"', page)
        url = "/alerts/" + older.group(1).replace("&amp;", "&") if older else None
        pages += 1
    # then
    expected = [a.pk for a in sorted(made, key=lambda a: (a.ts, a.pk), reverse=True)]
    assert seen == expected and pages == 3


def test_bulk_acknowledge_changes_only_the_selected_open_alerts(client_for, tenant, other_tenant, make_member):
    # given
    stream, now = make_stream(tenant), timezone.now()
    first, second, untouched = (make_alert(stream, now - timedelta(minutes=m)) for m in (1, 2, 3))
    resolved = make_alert(stream, now, status="resolved")
    theirs = make_alert(make_stream(other_tenant), now)
    client = client_for(make_member(tenant, role="analyst"))
    # when
    response = client.post("/alerts/acknowledge/", {
        "alert": [first.pk, second.pk, resolved.pk, theirs.pk], "next": "/alerts/?status=all"}, follow=True)
    # then
    states = dict(Alert.objects.values_list("pk", "status"))
    assert states[first.pk] == states[second.pk] == "acknowledged"
    assert states[untouched.pk] == "open" and states[resolved.pk] == "resolved" and states[theirs.pk] == "open"
    assert "2 alert(s) acknowledged; 2 skipped (no longer open)." in response.content.decode()
    assert response.redirect_chain[-1][0] == "/alerts/?status=all"
    assert AuditLog.objects.filter(action="alert.acknowledge").count() == 2


def test_a_viewer_cannot_bulk_acknowledge(client_for, tenant, make_member):
    # given
    alert = make_alert(make_stream(tenant), timezone.now())
    client = client_for(make_member(tenant, role="viewer"))
    # when
    page = client.get("/alerts/").content.decode()
    refused = client.post("/alerts/acknowledge/", {"alert": [alert.pk]})
    # then
    assert 'data-testid="bulk-acknowledge"' not in page and refused.status_code == 403
    assert Alert.objects.get(pk=alert.pk).status == "open"


def test_each_alert_links_to_its_stream_chart_at_that_moment(client_for, tenant, make_member):
    # given: a stream with more points than one chart, and an alert in its early part
    stream = make_stream(tenant)
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(5000))
    early = datetime.fromtimestamp(T0 + 60 * 1000, tz=UTC)
    alert = make_alert(stream, early)
    client = client_for(make_member(tenant, role="analyst"))
    # when
    listed = client.get("/alerts/").content.decode()
    link = f"/streams/{stream.pk}/?at={T0 + 60 * 1000}"
    chart = client.get(link).content.decode()
    latest = client.get(f"/streams/{stream.pk}/?range=24h").content.decode()
    # then: the linked chart holds the alert's moment; the latest day's chart does not reach back to it
    assert f'href="{link}"' in listed
    assert 'data-testid="chart-at"' in chart and str((T0 + 60 * 1000) * 1000) in chart
    assert str((T0 + 60 * 1000) * 1000) not in latest and 'data-testid="chart-at"' not in latest
    assert alert.pk in _ids(listed)
