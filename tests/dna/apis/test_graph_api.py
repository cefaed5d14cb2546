from __future__ import annotations

import pytest

from apps.dna import services
from apps.dna.models import GraphOutbox
from tests.dna.factories import make_asset, make_graph

pytestmark = pytest.mark.django_db

CHAIN = [("b", "a", "depends_on", 0.5), ("b", "c", "flows_to", 0.8), ("c", "d", "connects", 0.9)]


def test_blast_radius_and_paths_over_the_api(api, tenant):
    # given
    assets = make_graph(tenant, CHAIN)
    # when
    radius = api.get(f"/api/v1/dna/assets/{assets['a'].pk}/blast-radius/?depth=2").json()
    path = api.get(f"/api/v1/dna/paths/?source={assets['a'].pk}&target={assets['d'].pk}").json()
    none = api.get(f"/api/v1/dna/paths/?source={assets['d'].pk}&target={assets['a'].pk}").json()
    bad = api.get(f"/api/v1/dna/assets/{assets['a'].pk}/blast-radius/?depth=9")
    # then
    assert [(a["key"], a["depth"], a["impact"]) for a in radius["assets"]] == [("b", 1, 0.5), ("c", 2, 0.4)]
    assert radius["backend"] == "postgres" and radius["total_impact"] == pytest.approx(0.9)
    assert path["found"] and [a["key"] for a in path["assets"]] == ["a", "b", "c", "d"]
    assert path["strength"] == pytest.approx(0.36) and path["weights"] == [0.5, 0.8, 0.9]
    assert none == {"found": False, "backend": None, "strength": None, "assets": [], "weights": []}
    assert bad.status_code == 400 and "depth" in bad.json()["extra"]["fields"]


def test_a_cascade_spreads_from_the_start_and_conserves_the_disturbance(api, tenant):
    # given
    assets = make_graph(tenant, CHAIN)
    # when
    body = api.get(f"/api/v1/dna/assets/{assets['a'].pk}/cascade/?frames=20&horizon=8").json()
    # then
    index = {n["key"]: i for i, n in enumerate(body["nodes"])}
    assert body["nodes"][0]["key"] == "a" and body["method"] == "spectral" and len(body["heat"]) == 20
    assert body["heat"][0][index["a"]] == 1.0 and all(abs(sum(frame) - 1) < 1e-9 for frame in body["heat"])
    first = body["heat"][1]
    assert first[index["a"]] > first[index["b"]] > first[index["c"]] > first[index["d"]] > 0
    arrival = {k: body["arrival"][i] for k, i in index.items()}
    assert arrival["a"] == 0.0 < arrival["b"] <= arrival["c"] <= arrival["d"] and arrival["b"] < arrival["d"]
    assert body["coherence"][0] == 1.0 and body["coherence"][-1] < body["coherence"][1] < 1.0


def test_a_cascade_on_a_lone_asset_stays_put(api, tenant):
    # given
    lone = make_asset(tenant, "lone")
    # when
    body = api.get(f"/api/v1/dna/assets/{lone.pk}/cascade/?frames=3").json()
    # then
    assert body["heat"] == [[1.0], [1.0], [1.0]] and body["coherence"] == [1.0, 1.0, 1.0]


def test_with_the_mirror_off_the_status_says_so_and_events_are_skipped(api, tenant):
    # given
    make_graph(tenant, CHAIN)
    # when
    result = services.graph_project()
    status = api.get("/api/v1/dna/graph/status/").json()
    # then
    assert result.mirror_off and result.events >= 7
    assert status["enabled"] is False and status["message"] == "graph mirror off"
    assert status["pending"] == 0 and status["skipped"] == 7
    assert set(GraphOutbox.objects.filter(tenant=tenant).values_list("status", "outcome")) == {("skipped", "off")}


def test_the_identity_graph_lists_assets_and_links(api, tenant, other_api):
    # given
    make_graph(tenant, CHAIN)
    # when
    graph = api.get("/api/v1/dna/graph/").json()
    # then
    assert graph["total_assets"] == 4 and len(graph["nodes"]) == 4 and len(graph["links"]) == 3
    assert graph["nodes"][0]["key"] in ("b", "c")  # most connected first
    assert other_api.get("/api/v1/dna/graph/").json()["total_assets"] == 0


def test_the_status_reports_the_mirror_when_on(neo4j, api, tenant):
    # given
    make_graph(tenant, CHAIN)
    services.graph_project(tenant_id=tenant.pk)
    # when
    status = api.get("/api/v1/dna/graph/status/").json()
    # then
    assert status["enabled"] and status["reachable"] and status["pending"] == 0 and status["done"] == 7
    assert status["last_projected_at"] is not None
