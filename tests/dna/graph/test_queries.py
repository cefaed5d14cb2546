from __future__ import annotations

import pytest

from apps.dna import impact, services
from apps.dna.graph.connection import cypher
from apps.dna.models import Asset
from tests.dna.factories import make_graph

pytestmark = pytest.mark.django_db

# Impact runs: db -> api (api depends on db), db -> worker, api -> web, worker -> web (flows), host -> db (hosts),
# web <-> cdn (connects), dns -> cdn (cdn depends on dns).
SERVICE_GRAPH = [("api", "db", "depends_on", 0.9), ("worker", "db", "depends_on", 0.5),
                 ("api", "web", "flows_to", 0.8), ("worker", "web", "flows_to", 1.0), ("host", "db", "hosts", 1.0),
                 ("web", "cdn", "connects", 0.5), ("cdn", "dns", "depends_on", 1.0)]


@pytest.fixture(params=["postgres", "neo4j"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "neo4j":
        request.getfixturevalue("neo4j")
    return request.param


def _built(tenant, backend: str, links=SERVICE_GRAPH) -> dict[str, Asset]:
    assets = make_graph(tenant, links)
    if backend == "neo4j":
        services.graph_project(tenant_id=tenant.pk)
    return assets


def _radius(tenant, asset, depth, backend):
    result = impact.blast_radius(tenant=tenant, asset_id=asset.pk, depth=depth, backend=backend)
    assert result.backend == backend
    return {a.key: (a.depth, round(a.impact, 12)) for a in result.assets}


def _path_view(path: impact.ImpactPath | None) -> tuple | None:
    return None if path is None else (path.weights, [a.uid for a in path.assets])


def test_blast_radius_has_the_known_answer(backend, tenant):
    # given
    assets = _built(tenant, backend)
    # when / then
    assert _radius(tenant, assets["db"], 3, backend) == {"api": (1, 0.9), "worker": (1, 0.5), "web": (2, 0.72),
                                                          "cdn": (3, 0.36)}
    assert _radius(tenant, assets["db"], 1, backend) == {"api": (1, 0.9), "worker": (1, 0.5)}
    assert _radius(tenant, assets["host"], 3, backend) == {"db": (1, 1.0), "api": (2, 0.9), "worker": (2, 0.5),
                                                            "web": (3, 0.72)}
    assert _radius(tenant, assets["dns"], 6, backend) == {"cdn": (1, 1.0), "web": (2, 0.5)}
    assert _radius(tenant, assets["api"], 6, backend) == {"web": (1, 0.8), "cdn": (2, 0.4)}


def test_a_cycle_never_counts_the_start_or_strengthens_a_path(backend, tenant):
    # given
    assets = _built(tenant, backend, [("a", "b", "flows_to", 0.5), ("b", "a", "flows_to", 0.5),
                                      ("b", "c", "flows_to", 0.5), ("a", "c", "connects", 0.1)])
    # when / then
    assert _radius(tenant, assets["a"], 4, backend) == {"b": (1, 0.5), "c": (1, 0.25)}


def test_the_shortest_path_prefers_the_strongest_of_equal_length(backend, tenant):
    # given
    assets = _built(tenant, backend)
    # when
    path = impact.shortest_path(tenant=tenant, source_id=assets["host"].pk, target_id=assets["cdn"].pk,
                                backend=backend)
    reverse = impact.shortest_path(tenant=tenant, source_id=assets["cdn"].pk, target_id=assets["web"].pk,
                                   backend=backend)
    none = impact.shortest_path(tenant=tenant, source_id=assets["web"].pk, target_id=assets["db"].pk,
                                backend=backend)
    # then
    assert [a.key for a in path.assets] == ["host", "db", "api", "web", "cdn"]
    assert round(path.strength, 12) == 0.36 and path.weights == [1.0, 0.9, 0.8, 0.5]
    assert [a.key for a in reverse.assets] == ["cdn", "web"] and none is None


def test_equal_paths_tie_break_on_the_smaller_asset_ids(backend, tenant):
    # given
    assets = _built(tenant, backend, [("x", "y1", "flows_to", 1.0), ("x", "y2", "flows_to", 1.0),
                                      ("y1", "z", "flows_to", 1.0), ("y2", "z", "flows_to", 1.0)])
    # when
    path = impact.shortest_path(tenant=tenant, source_id=assets["x"].pk, target_id=assets["z"].pk, backend=backend)
    # then
    assert [a.key for a in path.assets] == ["x", "y1", "z"]


def test_both_backends_agree_on_a_random_graph(neo4j, tenant):
    # given: 40 assets, 120 random links of every kind
    import random

    rng = random.Random(11)
    kinds = ["depends_on", "flows_to", "hosts", "connects"]
    links, seen = [], set()
    while len(links) < 120:
        s, t = rng.randrange(40), rng.randrange(40)
        k = rng.choice(kinds)
        if s != t and (s, t, k) not in seen:
            seen.add((s, t, k))
            links.append((f"n{s:02d}", f"n{t:02d}", k, round(rng.uniform(0.1, 1.0), 3)))
    assets = _built(tenant, "neo4j", links)
    found = 0
    # when / then
    for key in ("n00", "n07", "n21", "n33"):
        radius = _radius(tenant, assets[key], 4, "neo4j")
        assert radius == _radius(tenant, assets[key], 4, "postgres") and len(radius) > 5
        for target in ("n05", "n18", "n39"):
            neo, pg = (_path_view(impact.shortest_path(tenant=tenant, source_id=assets[key].pk,
                                                       target_id=assets[target].pk, backend=b))
                       for b in ("neo4j", "postgres"))
            assert neo == pg
            found += neo is not None
    assert found >= 6


def test_graph_queries_stay_inside_the_tenant(neo4j, tenant, other_tenant):
    # given: the same topology in two tenants, and a relationship drawn across them behind the app's back
    mine, theirs = _built(tenant, "neo4j"), _built(other_tenant, "neo4j")
    cypher("MATCH (a:DnaAsset {tenant: $o, uid: $a}), (b:DnaAsset {tenant: $t, uid: $b}) "
           "CREATE (a)-[:DEPENDS_ON {tenant: $o, uid: 7, v: 0, weight: 1.0}]->(b)",
           {"o": other_tenant.pk, "a": theirs["api"].pk, "t": tenant.pk, "b": mine["db"].pk})
    # when
    radius = impact.blast_radius(tenant=tenant, asset_id=mine["db"].pk, depth=6, backend="neo4j")
    path = impact.shortest_path(tenant=tenant, source_id=mine["db"].pk, target_id=mine["cdn"].pk, backend="neo4j")
    # then
    assert {a.uid for a in radius.assets} <= {a.pk for a in mine.values()}
    assert {a.uid for a in path.assets} <= {a.pk for a in mine.values()}
    with pytest.raises(Asset.DoesNotExist):
        impact.blast_radius(tenant=tenant, asset_id=theirs["db"].pk, backend="neo4j")
    assert cypher("MATCH (n:DnaAsset) WHERE n.tenant = $t RETURN count(n)", {"t": tenant.pk}) == [[7]]


def test_with_the_mirror_off_queries_answer_from_postgres(tenant):
    # given
    assets = make_graph(tenant, SERVICE_GRAPH)
    # when
    result = impact.blast_radius(tenant=tenant, asset_id=assets["db"].pk)
    # then
    assert result.backend == "postgres" and len(result.assets) == 4


def test_an_unreachable_server_falls_back_to_postgres(settings, tenant):
    # given: a configured graph server that is not there
    settings.NEO4J_BOLT_URL = "bolt://neo4j:x@127.0.0.1:9"
    assets = make_graph(tenant, SERVICE_GRAPH)
    # when
    result = impact.blast_radius(tenant=tenant, asset_id=assets["db"].pk)
    # then
    assert result.backend == "postgres" and {a.key for a in result.assets} == {"api", "worker", "web", "cdn"}


def test_neighbourhoods_list_each_asset_once_even_around_a_cycle(backend, tenant):
    # given: a triangle plus a tail, so paths lead back to the start
    assets = _built(tenant, backend, [("a", "b", "flows_to", 1.0), ("b", "c", "flows_to", 1.0),
                                      ("c", "a", "flows_to", 1.0), ("c", "d", "connects", 0.5)])
    # when
    uids, links, used = impact.neighbourhood(tenant=tenant, asset_id=assets["a"].pk, radius=3, limit=10,
                                             backend=backend)
    cascade = services.cascade_simulate(tenant=tenant, asset_id=assets["a"].pk, frames=4)
    # then
    assert used == backend and uids[0] == assets["a"].pk and len(uids) == len(set(uids)) == 4
    assert len(links) == 4 and [n["key"] for n in cascade.nodes][0] == "a" and len(cascade.nodes) == 4
    assert all(abs(sum(frame) - 1) < 1e-9 for frame in cascade.heat)
