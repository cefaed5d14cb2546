from __future__ import annotations

import pytest

from apps.dna import payloads, services
from apps.dna.graph.connection import cypher
from apps.dna.graph.nodes import AlertNode, AssetNode, StreamNode, TermNode
from apps.dna.models import GraphOutbox, OntologyTerm
from apps.dna.payloads import alert_payload, stream_payload
from apps.signals import services as signals
from apps.signals.models import Alert, Stream
from tests.dna.factories import ACTOR, make_asset, make_link
from tests.signals.factories import make_stream, wave

pytestmark = pytest.mark.django_db


def _project(tenant) -> dict:
    result = services.graph_project(tenant_id=tenant.pk)
    assert not result.busy
    return dict(result.outcomes)


def _snapshot(tenant) -> list:
    """Every node and relationship of the tenant with all its properties: what 'unchanged' means."""
    nodes = cypher("MATCH (n) WHERE n.tenant = $t RETURN labels(n)[0] AS l, n.uid AS u, properties(n) ORDER BY l, u",
                   {"t": tenant.pk})
    rels = cypher("MATCH (a)-[r]->(b) WHERE a.tenant = $t RETURN type(r) AS t, a.uid AS a, b.uid AS b, "
                  "properties(r) ORDER BY t, a, b", {"t": tenant.pk})
    return [nodes, rels]


def test_asset_changes_are_projected_as_nodes(neo4j, tenant):
    # given
    asset = make_asset(tenant, "pump-3", kind="equipment", name="Pump 3")
    # when
    first = _project(tenant)
    services.asset_update(actor=ACTOR, tenant=tenant, asset_id=asset.pk, name="Pump three")
    _project(tenant)
    # then
    node = AssetNode.nodes.get(tenant=tenant.pk, uid=asset.pk)
    assert first == {"applied": 1}
    assert (node.key, node.name, node.kind) == ("pump-3", "Pump three", "equipment")
    assert node.v == GraphOutbox.objects.filter(object_type="asset", object_id=asset.pk).latest("id").id
    services.asset_delete(actor=ACTOR, tenant=tenant, asset_id=asset.pk)
    _project(tenant)
    assert AssetNode.nodes.filter(tenant=tenant.pk, uid=asset.pk).first_or_none() is None


def test_link_changes_are_projected_as_typed_weighted_relationships(neo4j, tenant):
    # given
    api, db = make_asset(tenant, "api"), make_asset(tenant, "db", kind="host")
    link = make_link(tenant, api, db, kind="depends_on", weight=0.5)
    _project(tenant)
    # when
    services.link_update(actor=ACTOR, tenant=tenant, link_id=link.pk, weight=0.75)
    _project(tenant)
    # then
    node = AssetNode.nodes.get(tenant=tenant.pk, uid=api.pk)
    assert [n.uid for n in node.depends_on.all()] == [db.pk]
    assert node.depends_on.relationship(AssetNode.nodes.get(tenant=tenant.pk, uid=db.pk)).weight == 0.75
    services.link_delete(actor=ACTOR, tenant=tenant, link_id=link.pk)
    _project(tenant)
    assert node.depends_on.all() == []


def test_streams_attachments_and_alerts_are_projected(neo4j, tenant):
    # given: a stream written by the signals app (its triggers write the outbox), attached here
    asset = make_asset(tenant, "turbine")
    stream = make_stream(tenant, "bearing temp")
    services.stream_attach(actor=ACTOR, tenant=tenant, asset_id=asset.pk, stream_id=stream.pk)
    signals.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(600))
    signals.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(30, 600, spike_at=610))
    alert = Alert.objects.filter(tenant=tenant).first()
    # when
    _project(tenant)
    signals.alert_acknowledge(actor=ACTOR, tenant=tenant, alert_id=alert.pk)
    _project(tenant)
    # then
    stream_node = StreamNode.nodes.get(tenant=tenant.pk, uid=stream.pk)
    assert stream_node.name == "bearing temp" and [a.uid for a in stream_node.measures.all()] == [asset.pk]
    alert_node = AlertNode.nodes.get(tenant=tenant.pk, uid=alert.pk)
    assert alert_node.status == "acknowledged" and alert_node.severity == alert.severity
    assert [s.uid for s in alert_node.raised_on.all()] == [stream.pk]
    # ingest updates the stream's counters on every batch; only name/kind/units changes make events
    assert GraphOutbox.objects.filter(object_type="stream", object_id=stream.pk).count() == 1


def test_trigger_payloads_equal_the_python_builders(tenant):
    # given
    stream = make_stream(tenant, "cpu")
    signals.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(600))
    signals.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(30, 600, spike_at=610))
    Stream.objects.filter(pk=stream.pk).update(units="percent")
    # when
    events = {(e.object_type, e.object_id): e.payload
              for e in GraphOutbox.objects.filter(tenant=tenant).order_by("id")}
    # then
    stream.refresh_from_db()
    assert events[("stream", stream.pk)] == stream_payload(vars(stream))
    for alert in Alert.objects.filter(tenant=tenant):
        assert events[("alert", alert.pk)] == alert_payload(vars(alert))


def test_the_ontology_is_projected_for_every_tenant_to_share(neo4j, tenant):
    # when
    services.graph_project()
    # then
    term = TermNode.nodes.get(tenant=payloads.ONTOLOGY_TENANT,
                              uid=OntologyTerm.objects.get(key="construct.stability_index").pk)
    assert term.key == "construct.stability_index"
    assert [t.key for t in term.derived_from.all()] == ["construct.physics_vector"]
    assert [t.key for t in term.is_a.all()] == ["class.derived_construct"]


def test_replaying_any_event_changes_nothing(neo4j, tenant):
    # given: a history with creates, updates and deletes, projected
    a, b, c = make_asset(tenant, "a"), make_asset(tenant, "b"), make_asset(tenant, "c")
    ab = make_link(tenant, a, b, weight=0.3)
    make_link(tenant, b, c, kind="flows_to")
    services.link_update(actor=ACTOR, tenant=tenant, link_id=ab.pk, weight=0.6)
    services.asset_update(actor=ACTOR, tenant=tenant, asset_id=c.pk, name="Cee")
    services.asset_delete(actor=ACTOR, tenant=tenant, asset_id=a.pk)
    _project(tenant)
    before = _snapshot(tenant)
    # when
    outcomes = [services.graph_event_replay(event_id=e.id)
                for e in GraphOutbox.objects.filter(tenant=tenant).order_by("id")]
    # then
    assert _snapshot(tenant) == before
    assert set(outcomes) <= {"superseded", "stale"} and "superseded" in outcomes


def test_an_older_event_arriving_late_is_skipped(neo4j, tenant):
    # given: the newer state is projected first
    asset = make_asset(tenant, "a", name="Old")
    services.asset_update(actor=ACTOR, tenant=tenant, asset_id=asset.pk, name="New")
    old, new = GraphOutbox.objects.filter(object_type="asset", object_id=asset.pk).order_by("id")
    from apps.dna.services.projection import events_apply

    events_apply([new])
    # when
    outcome = events_apply([old])
    # then
    assert outcome == {old.id: "superseded"}
    assert AssetNode.nodes.get(tenant=tenant.pk, uid=asset.pk).name == "New"


def test_each_object_is_projected_in_order_within_one_batch(neo4j, tenant):
    # given: many changes to one link, drained together
    a, b = make_asset(tenant, "a"), make_asset(tenant, "b")
    link = make_link(tenant, a, b, weight=0.1)
    for weight in (0.2, 0.3, 0.4, 0.5):
        services.link_update(actor=ACTOR, tenant=tenant, link_id=link.pk, weight=weight)
    # when
    outcomes = _project(tenant)
    # then
    assert outcomes == {"applied": 3, "superseded": 4}
    rows = cypher("MATCH (:DnaAsset {tenant: $t})-[r:DEPENDS_ON]->() RETURN r.weight", {"t": tenant.pk})
    assert rows == [[0.5]]
