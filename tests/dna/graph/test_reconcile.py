from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from apps.dna import payloads, services
from apps.dna.graph.connection import cypher
from tests.dna.factories import ACTOR, make_asset, make_graph, make_link
from tests.signals.factories import make_stream, wave

pytestmark = pytest.mark.django_db

LINKS = [("app", "db", "depends_on", 0.8), ("lb", "app", "flows_to", 0.9), ("host", "app", "hosts", 1.0),
         ("host", "db", "hosts", 1.0), ("db", "replica", "connects", 0.5)]


def _state(tenant) -> list:
    nodes = cypher("MATCH (n) WHERE n.tenant = $t RETURN labels(n)[0] AS l, n.uid AS u, properties(n) ORDER BY l, u",
                   {"t": tenant.pk})
    rels = cypher("MATCH (a)-[r]->(b) WHERE a.tenant = $t "
                  "RETURN type(r) AS t, a.uid AS a, b.uid AS b, r.weight ORDER BY t, a, b",
                  {"t": tenant.pk})
    return [nodes, rels]


def _mirrored(tenant) -> dict:
    assets = make_graph(tenant, LINKS)
    stream = make_stream(tenant, "db latency")
    services.stream_attach(actor=ACTOR, tenant=tenant, asset_id=assets["db"].pk, stream_id=stream.pk)
    from apps.signals import services as signals

    signals.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(600))
    signals.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(30, 600, spike_at=610))
    services.graph_project(tenant_id=tenant.pk)
    return assets


def test_a_projected_graph_has_no_drift(neo4j, tenant):
    # given
    _mirrored(tenant)
    # when
    report = services.graph_reconcile(tenant_id=tenant.pk)
    # then
    assert report.total == 0 and report.pending_events == 0
    assert report.expected["asset"] == 5 and report.expected["link"] == 5 and report.expected["alert"] >= 1


def test_reconcile_repairs_a_graph_edited_behind_the_apps_back(neo4j, tenant):
    # given
    assets = _mirrored(tenant)
    good = _state(tenant)
    cypher("MATCH (n:DnaAsset {tenant: $t, uid: $u}) SET n.name = 'hacked'", {"t": tenant.pk, "u": assets["app"].pk})
    cypher("MATCH (n:DnaAsset {tenant: $t, uid: $u}) DETACH DELETE n", {"t": tenant.pk, "u": assets["replica"].pk})
    cypher("MATCH (:DnaAsset {tenant: $t, uid: $a})-[r:DEPENDS_ON]->() SET r.weight = 0.01",
           {"t": tenant.pk, "a": assets["app"].pk})
    cypher("MATCH (a:DnaAsset {tenant: $t, uid: $a}), (b:DnaAsset {tenant: $t, uid: $b}) CREATE (a)-[:CONNECTS "
           "{tenant: $t, uid: 999999999, v: 0, weight: 1.0}]->(b)", {"t": tenant.pk, "a": assets["lb"].pk,
                                                                      "b": assets["db"].pk})
    cypher("CREATE (:DnaAsset {tenant: $t, uid: 888888888, key: 'ghost', v: 0})", {"t": tenant.pk})
    cypher("MATCH (n:DnaStream {tenant: $t}) SET n.v = 10000000000", {"t": tenant.pk})
    # when
    found = services.graph_reconcile(tenant_id=tenant.pk)
    repaired = services.graph_reconcile(tenant_id=tenant.pk, repair=True)
    after = services.graph_reconcile(tenant_id=tenant.pk)
    # then
    assert found.drift["asset"].different == [assets["app"].pk]
    assert found.drift["asset"].missing == [assets["replica"].pk] and found.drift["asset"].extra == [888888888]
    assert found.drift["stream"].different and len(found.drift["link"].different) == 1
    # the deleted node took its link with it; the invented link is extra
    assert len(found.drift["link"].missing) == 1 and len(found.drift["link"].extra) == 1
    assert repaired.total == found.total and after.total == 0
    restored = _state(tenant)
    assert restored[1] == good[1]
    assert [row[:2] for row in restored[0]] == [row[:2] for row in good[0]]


def test_reconcile_rebuilds_an_emptied_graph(neo4j, tenant):
    # given
    _mirrored(tenant)
    good = _state(tenant)
    cypher("MATCH (n) WHERE n.tenant = $t DETACH DELETE n", {"t": tenant.pk})
    # when
    report = services.graph_reconcile(tenant_id=tenant.pk, repair=True)
    # then
    assert report.drift["asset"].missing and report.drift["link"].missing and report.drift["alert"].missing
    assert _state(tenant) == good
    assert services.graph_reconcile(tenant_id=tenant.pk).total == 0


def test_a_relationship_drawn_into_another_tenant_is_removed(neo4j, tenant, other_tenant):
    # given
    mine, theirs = make_asset(tenant, "mine"), make_asset(other_tenant, "theirs")
    services.graph_project()
    cypher("MATCH (a:DnaAsset {tenant: $t, uid: $a}), (b:DnaAsset {tenant: $o, uid: $b}) "
           "CREATE (a)-[:DEPENDS_ON {tenant: $t, uid: 1, v: 0, weight: 1.0}]->(b)",
           {"t": tenant.pk, "a": mine.pk, "o": other_tenant.pk, "b": theirs.pk})
    # when
    report = services.graph_reconcile(tenant_id=tenant.pk, repair=True)
    # then
    assert len(report.drift["link"].extra) == 1
    assert cypher("MATCH (:DnaAsset {tenant: $t})-[r]-() RETURN count(r)", {"t": tenant.pk}) == [[0]]


def test_events_pending_at_reconcile_time_still_apply_afterwards(neo4j, tenant):
    # given: the graph is rebuilt from PostgreSQL while a change waits in the outbox
    a, b = make_asset(tenant, "a"), make_asset(tenant, "b")
    link = make_link(tenant, a, b, weight=0.2)
    services.graph_project(tenant_id=tenant.pk)
    services.link_update(actor=ACTOR, tenant=tenant, link_id=link.pk, weight=0.7)
    # when
    services.graph_reconcile(tenant_id=tenant.pk, repair=True)
    outcome = services.graph_project(tenant_id=tenant.pk)
    # then: the reconciled graph already held the new weight; the event is a no-op, not a regression
    assert dict(outcome.outcomes) == {"stale": 1}
    assert cypher("MATCH (:DnaAsset {tenant: $t})-[r]->() RETURN r.weight", {"t": tenant.pk}) == [[0.7]]


def test_the_command_reports_and_repairs(neo4j, tenant, capsys):
    # given
    _mirrored(tenant)
    cypher("MATCH (n:DnaAsset {tenant: $t}) SET n.kind = 'teapot'", {"t": tenant.pk})
    # when
    call_command("graph_reconcile", "--tenant", str(tenant.pk), "--json")
    found = json.loads(capsys.readouterr().out)
    call_command("graph_reconcile", "--tenant", tenant.slug, "--repair")
    table = capsys.readouterr().out
    call_command("graph_reconcile", "--tenant", str(tenant.pk), "--fail-on-drift")
    # then
    assert found["drift"]["asset"]["different"] == 5 and found["drift_total"] == 5
    assert f"tenant {tenant.pk}: 5 difference(s) repaired" in table


def test_the_ontology_reconciles_too(neo4j):
    # given
    services.graph_project()
    cypher("MATCH (n:DnaTerm {tenant: $t, key: 'noise.red'}) SET n.name = 'Pink'", {"t": payloads.ONTOLOGY_TENANT})
    # when
    report = services.graph_reconcile(tenant_id=None, repair=True)
    # then
    assert len(report.drift["term"].different) == 1
    assert cypher("MATCH (n:DnaTerm {tenant: $t, key: 'noise.red'}) RETURN n.name",
                  {"t": payloads.ONTOLOGY_TENANT}) == [["Red (Brownian) noise"]]
