from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.dna import services
from apps.dna.models import Asset, AssetLink, AssetStream
from apps.signals.models import Stream
from tests.dna.factories import ACTOR, make_asset, make_graph
from tests.signals.factories import make_stream

pytestmark = pytest.mark.django_db


def test_the_ontology_and_templates_are_browsable(client_for, tenant, make_member):
    # given
    client = client_for(make_member(tenant, role="viewer"))
    # when
    ontology = client.get("/dna/ontology/?category=derived").content.decode()
    term = client.get("/dna/ontology/construct.irreversibility_score/").content.decode()
    templates = client.get("/dna/templates/?industry=cyber").content.decode()
    template = client.get("/dna/templates/cyber.port-scan/").content.decode()
    # then
    assert "Stability index" in ontology and "Shannon entropy" not in ontology
    assert "apps.dna.constructs.irreversibility_score" in term and "Entropy production" in term
    assert "Port scan" in templates and "Pump" not in templates
    assert "destination_port" in template and 'data-testid="instantiate"' not in template  # viewers cannot apply
    assert client.get("/dna/ontology/nope/").status_code == 404


def test_an_analyst_applies_a_template_from_the_portal(client_for, tenant, make_member):
    # given
    client = client_for(make_member(tenant, role="analyst"))
    asset = make_asset(tenant, "edge-fw", kind="network")
    # when
    response = client.post("/dna/templates/cyber.port-scan/instantiate/", {"name_prefix": "edge", "asset": asset.pk})
    # then
    assert response.status_code == 302 and response["Location"] == f"/dna/assets/{asset.pk}/"
    stream = Stream.objects.get(tenant=tenant, name="edge destination port")
    assert AssetStream.objects.get(stream=stream).asset_id == asset.pk


def test_assets_are_created_imported_and_shown_with_their_blast_radius(client_for, tenant, make_member):
    # given
    client = client_for(make_member(tenant, role="analyst"))
    assets_csv = SimpleUploadedFile("assets.csv", b"key,name,kind\nweb,Web,service\ndb,DB,host\n")
    links_csv = SimpleUploadedFile("links.csv", b"source,target,kind,weight\nweb,db,depends_on,0.7\n")
    # when
    created = client.post("/dna/assets/create/", {"key": "lb", "name": "Load balancer", "kind": "network"})
    imported = client.post("/dna/assets/import/", {"assets_file": assets_csv, "links_file": links_csv}, follow=True)
    db = Asset.objects.get(tenant=tenant, key="db")
    page = client.get(f"/dna/assets/{db.pk}/").content.decode()
    listing = client.get("/dna/assets/").content.decode()
    # then
    assert created.status_code == 302 and "2 assets created" in imported.content.decode()
    assert 'data-testid="blast-row"' in page and "web" in page and "0.700" in page
    assert "graph mirror off" in listing


def test_a_bad_import_lists_the_bad_rows_and_writes_nothing(client_for, tenant, make_member):
    # given
    client = client_for(make_member(tenant, role="analyst"))
    document = SimpleUploadedFile("graph.json", json.dumps({"assets": [{"key": "x", "name": "X", "kind": "moon"}],
                                                            "links": []}).encode())
    # when
    page = client.post("/dna/assets/import/", {"json_file": document}, follow=True).content.decode()
    # then
    assert "assets row 1, kind" in page and not Asset.objects.filter(tenant=tenant).exists()


def test_links_and_streams_are_managed_on_the_asset_page(client_for, tenant, make_member):
    # given
    client = client_for(make_member(tenant, role="analyst"))
    a, b = make_asset(tenant, "a"), make_asset(tenant, "b")
    stream = make_stream(tenant)
    # when
    client.post(f"/dna/assets/{a.pk}/links/", {"direction": "in", "kind": "flows_to", "other": b.pk, "weight": "0.5"})
    client.post(f"/dna/assets/{a.pk}/streams/", {"stream": stream.pk})
    bad = client.post(f"/dna/assets/{a.pk}/links/", {"direction": "out", "kind": "hosts", "other": a.pk},
                      follow=True).content.decode()
    # then
    link = AssetLink.objects.get(tenant=tenant)
    assert (link.source_id, link.target_id, link.kind, link.weight) == (b.pk, a.pk, "flows_to", 0.5)
    assert AssetStream.objects.get(stream=stream).asset_id == a.pk and "cannot link to itself" in bad
    page = client.get(f"/dna/assets/{a.pk}/").content.decode()
    assert 'data-testid="stream-state"' in page and "no closed window yet" in page


def test_a_link_to_an_asset_that_is_not_a_number_is_refused_with_a_message(client_for, tenant, make_member):
    # given
    client = client_for(make_member(tenant, role="analyst"))
    a = make_asset(tenant, "a")
    # when
    page = client.post(f"/dna/assets/{a.pk}/links/", {"direction": "out", "kind": "hosts", "other": "b; drop"},
                       follow=True).content.decode()
    # then
    assert "No such asset." in page and not AssetLink.objects.filter(tenant=tenant).exists()


def test_the_graph_page_draws_a_cascade_and_a_path(client_for, tenant, make_member):
    # given
    client = client_for(make_member(tenant, role="viewer"))
    assets = make_graph(tenant, [("b", "a", "depends_on", 0.5), ("b", "c", "flows_to", 0.8)])
    # when
    plain = client.get("/dna/graph/").content.decode()
    cascade = client.get(f"/dna/graph/?asset={assets['a'].pk}&rate=2").content.decode()
    path = client.get(f"/dna/graph/?source={assets['a'].pk}&target={assets['c'].pk}").content.decode()
    # then
    assert 'id="graph-data"' in plain and "js/graph.js" in plain and 'id="cascade-data"' not in plain
    assert 'id="cascade-data"' in cascade and '"coherence"' in cascade and "data-frames" in cascade
    assert "a → b → c" in path


def test_another_tenants_assets_are_404_in_the_portal(client_for, tenant, other_tenant, make_member):
    # given
    client = client_for(make_member(tenant, role="owner"))
    theirs = make_asset(other_tenant, "theirs")
    # when / then
    assert client.get(f"/dna/assets/{theirs.pk}/").status_code == 404
    assert client.post(f"/dna/assets/{theirs.pk}/delete/").status_code == 404
    assert client.get(f"/dna/graph/?asset={theirs.pk}").status_code == 404
    assert Asset.objects.filter(pk=theirs.pk).exists()


def test_viewers_cannot_change_assets(client_for, tenant, make_member):
    # given
    client = client_for(make_member(tenant, role="viewer"))
    asset = make_asset(tenant, "a")
    services.asset_update(actor=ACTOR, tenant=tenant, asset_id=asset.pk, name="A")
    # when / then
    assert client.post(f"/dna/assets/{asset.pk}/delete/").status_code == 403
    assert client.post("/dna/assets/create/", {"key": "b", "name": "B", "kind": "host"}).status_code == 403
