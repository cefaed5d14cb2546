"""Graph mirror: outbox events projected into Neo4j per second, and the time to rebuild a 100,000-asset,
300,000-link tenant graph from PostgreSQL.

    NEO4J_BOLT_URL=bolt://neo4j:thermo-neo4j@127.0.0.1:7687 python benchmarks/mirror.py [--assets 100000]
        [--links 300000] [--updates 50000]

Runs against its own database (`<name>_bench`, see benchmarks/_django.py) and a fresh tenant, through the product's
own code paths: bulk import (10,000 assets / 30,000 links per call, each writing its outbox events), the projector
(`graph_project`, the Celery task's service), and reconcile with --repair on an emptied graph (what
`manage.py graph_reconcile --repair` runs). The tenant's rows and nodes are removed afterwards. The topology is
generated with a fixed seed: sites host hosts, hosts host services, services depend on and flow to nearby services,
sensors connect to equipment. Peer, same run and server: the naive projection, one MERGE statement per event in
its own transaction (what a per-row signal handler writing to Neo4j does), over the first --peer-events assets and
as many links of a separate tenant. Prints a table; the last line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import _django  # noqa: E402

IMPORT_ASSETS, IMPORT_LINKS = 10_000, 30_000  # per import call: the API's own limits are 10,000 / 50,000
# The graph server may be shared with a development database whose tenants have small ids: the bench tenant's id
# is drawn from far above them, so creating and deleting its nodes never touches theirs.
BENCH_TENANT_FLOOR = 1_500_000_000
KINDS = ["site", "host", "service", "sensor", "equipment", "network"]


def topology(n_assets: int, n_links: int, seed: int = 7) -> tuple[list[dict], list[dict]]:
    """Assets a0..aN with kinds in bands, and unique links mostly between nearby indexes (real estates cluster)."""
    rng = random.Random(seed)
    assets = [{"key": f"a{i}", "name": f"Asset {i}", "kind": KINDS[min(5, (i * 6) // n_assets)]}
              for i in range(n_assets)]
    seen: set[tuple[int, int, str]] = set()
    links = []
    while len(links) < n_links:
        s = rng.randrange(n_assets)
        t = min(n_assets - 1, max(0, s + int(rng.gauss(0, 200))))
        kind = rng.choice(["depends_on", "depends_on", "flows_to", "hosts", "connects"])
        if s != t and (s, t, kind) not in seen:
            seen.add((s, t, kind))
            links.append({"source": f"a{s}", "target": f"a{t}", "kind": kind, "weight": round(rng.uniform(0.05, 1), 3)})
    return assets, links


def import_all(tenant: Any, assets: list[dict], links: list[dict]) -> float:
    from apps.core.actors import Actor
    from apps.dna import services

    actor, started = Actor.system("bench"), time.perf_counter()
    for start in range(0, len(assets), IMPORT_ASSETS):
        services.assets_import(actor=actor, tenant=tenant, assets=assets[start:start + IMPORT_ASSETS], links=[])
    for start in range(0, len(links), IMPORT_LINKS):
        services.assets_import(actor=actor, tenant=tenant, assets=[], links=links[start:start + IMPORT_LINKS])
    return time.perf_counter() - started


def project(tenant: Any) -> tuple[int, float, dict]:
    from apps.dna import services

    started = time.perf_counter()
    result = services.graph_project(tenant_id=tenant.pk, max_events=10_000_000)
    return result.events, time.perf_counter() - started, dict(result.outcomes)


def empty_graph(tenant_id: int) -> float:
    from apps.dna.graph.connection import cypher

    started = time.perf_counter()
    for label in ("DnaAlert", "DnaStream", "DnaAsset"):
        while cypher(f"MATCH (n:{label}) WHERE n.tenant = $t WITH n LIMIT 5000 DETACH DELETE n RETURN count(*)",
                     {"t": tenant_id})[0][0]:
            pass
    return time.perf_counter() - started


def cleanup(tenant: Any) -> None:
    from django.db import connection

    empty_graph(tenant.pk)
    with connection.cursor() as cursor:
        for table in ("dna_graphoutbox", "dna_assetlink", "dna_assetstream", "dna_asset"):  # audit rows stay
            cursor.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant.pk])
        cursor.execute("DELETE FROM tenants_tenant WHERE id = %s", [tenant.pk])


def naive_peer(assets: list[dict], links: list[dict], n_events: int, tenant_id: int) -> dict[str, Any]:
    """One auto-committed statement per event: nodes first, then relationships between them."""
    from apps.dna.graph.connection import cypher

    sample = assets[:n_events // 2]
    keys = {a["key"] for a in sample}
    edges = [link for link in links if link["source"] in keys and link["target"] in keys][:n_events // 2]
    started = time.perf_counter()
    for uid, asset in enumerate(sample):
        cypher("MERGE (n:DnaAsset {tenant: $t, uid: $uid}) SET n.key = $key, n.name = $name, n.kind = $kind, n.v = 1",
               {"t": tenant_id, "uid": uid, **asset})
    uids = {a["key"]: uid for uid, a in enumerate(sample)}
    for k, link in enumerate(edges):
        cypher("MATCH (a:DnaAsset {tenant: $t, uid: $s}), (b:DnaAsset {tenant: $t, uid: $d}) "
               "MERGE (a)-[r:DEPENDS_ON {uid: $uid}]->(b) SET r.weight = $w, r.v = 1",
               {"t": tenant_id, "s": uids[link["source"]], "d": uids[link["target"]], "uid": k, "w": link["weight"]})
    seconds = time.perf_counter() - started
    empty_graph(tenant_id)
    events = len(sample) + len(edges)
    return {"events": events, "seconds": seconds, "events_per_s": events / seconds}


def run(n_assets: int, n_links: int, n_updates: int, n_peer: int) -> dict[str, Any]:
    from django.db import connection

    from apps.dna import services
    from apps.dna.graph.connection import cypher
    from apps.tenants.models import Tenant

    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('tenants_tenant', 'id'), "
                       "GREATEST(%s, nextval(pg_get_serial_sequence('tenants_tenant', 'id'))))", [BENCH_TENANT_FLOOR])
    tenant = Tenant.objects.create(slug=f"bench-mirror-{time.time_ns()}", name="Bench mirror", kind="enterprise")
    try:
        assets, links = topology(n_assets, n_links)
        import_s = import_all(tenant, assets, links)
        created, create_s, create_outcomes = project(tenant)
        rng = random.Random(3)
        changed = [dict(link, weight=round(rng.uniform(0.05, 1), 3)) for link in rng.sample(links, n_updates)]
        import_all(tenant, [], changed)
        updated, update_s, _ = project(tenant)
        peer = naive_peer(assets, links, n_peer, tenant.pk + 1) if n_peer else None
        nodes = cypher("MATCH (n:DnaAsset) WHERE n.tenant = $t RETURN count(n)", {"t": tenant.pk})[0][0]
        rels = cypher("MATCH (n:DnaAsset)-[r]->() WHERE n.tenant = $t RETURN count(r)", {"t": tenant.pk})[0][0]
        empty_s = empty_graph(tenant.pk)
        rebuild = services.graph_reconcile(tenant_id=tenant.pk, repair=True)
        check = services.graph_reconcile(tenant_id=tenant.pk)
        return {"assets": n_assets, "links": n_links, "import_s": import_s,
                "import_rows_per_s": (n_assets + n_links) / import_s,
                "create_events": created, "create_s": create_s, "create_events_per_s": created / create_s,
                "create_outcomes": create_outcomes, "update_events": updated, "update_s": update_s,
                "update_events_per_s": updated / update_s, "graph_nodes": nodes, "graph_links": rels,
                "empty_s": empty_s, "rebuild_s": rebuild.seconds, "rebuild_missing": rebuild.total,
                "check_s": check.seconds, "drift_after_rebuild": check.total,
                "peer": "naive: one MERGE per event, auto-committed",
                "peer_events_per_s": peer["events_per_s"] if peer else None,
                "ratio_vs_naive": created / create_s / peer["events_per_s"] if peer else None}
    finally:
        cleanup(tenant)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--links", type=int, default=300_000)
    parser.add_argument("--updates", type=int, default=50_000)
    parser.add_argument("--peer-events", type=int, default=10_000, help="events the naive peer projects (0: skip)")
    args = parser.parse_args()
    if not os.environ.get("NEO4J_BOLT_URL"):
        sys.exit("Set NEO4J_BOLT_URL (scripts/neo4j.sh start prints it).")
    _django.setup()
    result = run(args.assets, args.links, min(args.updates, args.links), args.peer_events)
    rows = [("bulk import (assets + links, with outbox events)", f"{result['import_s']:.1f} s",
             f"{result['import_rows_per_s']:,.0f} rows/s"),
            ("project creates (outbox -> Neo4j)", f"{result['create_s']:.1f} s",
             f"{result['create_events_per_s']:,.0f} events/s ({result['create_events']:,})"),
            ("project updates (link weights)", f"{result['update_s']:.1f} s",
             f"{result['update_events_per_s']:,.0f} events/s ({result['update_events']:,})"),
            ("peer: naive projection, one MERGE per event", "",
             f"{result['peer_events_per_s'] or 0:,.0f} events/s -> ours is {result['ratio_vs_naive'] or 0:.1f}x"),
            ("graph size after projection", "", f"{result['graph_nodes']:,} nodes, {result['graph_links']:,} links"),
            ("rebuild emptied graph (reconcile --repair)", f"{result['rebuild_s']:.1f} s",
             f"{result['rebuild_missing']:,} objects restored"),
            ("drift check after rebuild", f"{result['check_s']:.1f} s", f"{result['drift_after_rebuild']} differences")]
    width = max(len(r[0]) for r in rows)
    print(f"{'step':<{width}}  {'time':>8}  result")
    for name, seconds, value in rows:
        print(f"{name:<{width}}  {seconds:>8}  {value}")
    print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in result.items()}, sort_keys=True))


if __name__ == "__main__":
    main()
