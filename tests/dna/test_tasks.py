from __future__ import annotations

import pytest

from apps.dna import tasks
from apps.dna.graph.connection import GraphUnavailable
from apps.dna.models import GraphOutbox
from tests.dna.factories import make_asset

pytestmark = pytest.mark.django_db


def test_the_projection_task_drains_the_outbox(neo4j, tenant):
    # given
    make_asset(tenant, "a")
    # when
    result = tasks.graph_project.apply().get()
    # then
    assert result["events"] >= 1 and not result["busy"] and not result["mirror_off"]
    assert not GraphOutbox.objects.filter(tenant=tenant, status="pending").exists()


def test_the_projection_task_skips_events_while_the_mirror_is_off(tenant):
    # given
    make_asset(tenant, "a")
    # when
    result = tasks.graph_project.apply().get()
    # then
    assert result["mirror_off"] and GraphOutbox.objects.get(tenant=tenant).status == "skipped"


def test_an_unreachable_graph_keeps_events_pending_and_retries(settings, tenant):
    # given
    settings.NEO4J_BOLT_URL = "bolt://neo4j:x@127.0.0.1:9"
    make_asset(tenant, "a")
    # when
    outcome = tasks.graph_project.apply()
    # then: run eagerly, every retry happened at once until max_retries; the event still waits, error recorded
    assert outcome.status == "FAILURE" and isinstance(outcome.result, GraphUnavailable)
    event = GraphOutbox.objects.get(tenant=tenant)
    assert event.status == "pending" and event.attempts == tasks.graph_project.max_retries + 1
    assert "127.0.0.1:9" in event.error


def test_the_reconcile_task_reports_as_json(neo4j, tenant):
    # given
    make_asset(tenant, "a")
    # when
    report = tasks.graph_reconcile.apply(args=[tenant.pk]).get()
    # then
    assert report["tenant"] == tenant.pk and report["drift"]["asset"]["missing"] == 1 and report["repaired"]
