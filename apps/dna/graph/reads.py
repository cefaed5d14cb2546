"""Tenant-scoped reads. Every node pattern names its tenant, so a relationship someone drew across tenants behind
the app's back is never followed: a traversal cannot leave the tenant it started in."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.dna import payloads
from apps.dna.graph.connection import cypher
from apps.dna.graph.nodes import LINK_TYPES, MEASURES, NODE_PROPERTIES, PREDICATE_TYPES, RAISED_ON, label

LINK_TYPE_NAMES = {v: k for k, v in LINK_TYPES.items()}
PREDICATE_NAMES = {v: k for k, v in PREDICATE_TYPES.items()}
LINK_PATTERN = "|".join(LINK_TYPES.values())
# A disturbance at x reaches y over r when: x depends-on <- y (y depends on x), x flows-to/hosts -> y, or x
# connects y either way. Used as the per-step predicate of every impact traversal.
IMPACT_STEP = ("((type(r) IN ['FLOWS_TO', 'HOSTS'] AND startNode(r) = x) OR "
               "(type(r) = 'DEPENDS_ON' AND endNode(r) = x) OR type(r) = 'CONNECTS')")


@dataclass(frozen=True)
class GraphEdge:
    uid: int | None
    v: int
    rel_type: str
    start: int
    end: int
    props: dict[str, Any]
    element_id: str
    crosses_tenant: bool


def nodes_of(object_type: str, tenant: int) -> dict[int, tuple[int, dict[str, Any]]]:
    """uid -> (v, props) of one label in one tenant; alerts also get `stream` from their RAISED_ON link.
    Duplicated uids cannot exist (the (tenant, uid) constraint)."""
    keys = NODE_PROPERTIES[object_type]
    projection = ", ".join(f".{k}" for k in keys)
    query = f"MATCH (n:{label(object_type)}) WHERE n.tenant = $t RETURN n.uid, n.v, n {{{projection}}}"
    if object_type == payloads.ALERT:
        query = (f"MATCH (n:{label(object_type)}) WHERE n.tenant = $t "
                 f"OPTIONAL MATCH (n)-[:{RAISED_ON}]->(s:{label(payloads.STREAM)} {{tenant: $t}}) "
                 f"RETURN n.uid, n.v, n {{{projection}, stream: s.uid}}")
    return {uid: (v if v is not None else -1, props) for uid, v, props in cypher(query, {"t": tenant})}


def _edges(query: str, tenant: int, name: Any) -> list[GraphEdge]:
    rows = cypher(query, {"t": tenant})
    return [GraphEdge(uid=uid, v=v if v is not None else -1, rel_type=name(rel_type), start=start, end=end,
                      props=props or {}, element_id=element_id, crosses_tenant=crosses)
            for uid, v, rel_type, start, end, props, element_id, crosses in rows]


def edges_of(object_type: str, tenant: int) -> list[GraphEdge]:
    """Every relationship of the kind leaving this tenant's nodes, including ones pointing into another tenant
    (those can only have been drawn behind the app's back)."""
    tail = ("RETURN e.uid, e.v, type(e), a.uid, b.uid, {props}, elementId(e), coalesce(b.tenant, -1) <> $t")
    if object_type == payloads.LINK:
        query = (f"MATCH (a:DnaAsset)-[e:{LINK_PATTERN}]->(b) WHERE a.tenant = $t "
                 + tail.format(props="{weight: e.weight}"))
        return _edges(query, tenant, LINK_TYPE_NAMES.get)
    if object_type == payloads.ATTACHMENT:
        query = f"MATCH (a:DnaStream)-[e:{MEASURES}]->(b) WHERE a.tenant = $t " + tail.format(props="{}")
        return _edges(query, tenant, lambda t: t)
    pattern = "|".join(PREDICATE_TYPES.values())
    query = f"MATCH (a:DnaTerm)-[e:{pattern}]->(b) WHERE a.tenant = $t " + tail.format(props="{}")
    return _edges(query, tenant, PREDICATE_NAMES.get)


def impact_step(tenant: int, frontier: list[int]) -> list[tuple[int, int, float]]:
    """(from, to, weight) for every impact step out of the frontier assets."""
    query = (f"UNWIND $frontier AS f MATCH (x:DnaAsset {{tenant: $t, uid: f}})-[r:{LINK_PATTERN}]-"
             f"(y:DnaAsset {{tenant: $t}}) WHERE {IMPACT_STEP} RETURN x.uid, y.uid, r.weight")
    return [(a, b, float(w)) for a, b, w in cypher(query, {"t": tenant, "frontier": frontier})]


def all_shortest_paths(tenant: int, source: int, target: int, max_depth: int) -> list[tuple[list[int], list[float]]]:
    """Every shortest impact path source -> target (<= max_depth links), as (asset uids, link weights)."""
    query = (f"MATCH p = ALL SHORTEST (a:DnaAsset {{tenant: $t, uid: $s}}) "
             f"((x:DnaAsset {{tenant: $t}})-[r:{LINK_PATTERN}]-(y:DnaAsset {{tenant: $t}}) WHERE {IMPACT_STEP})"
             f"{{1,{int(max_depth)}}} (b:DnaAsset {{tenant: $t, uid: $g}}) "
             "RETURN [n IN nodes(p) | n.uid], [e IN relationships(p) | e.weight]")
    return [(uids, [float(w) for w in weights]) for uids, weights in cypher(query, {"t": tenant, "s": source,
                                                                                    "g": target})]


def neighbourhood(tenant: int, asset: int, radius: int, limit: int) -> tuple[list[int], list[tuple[int, int, float]]]:
    """Assets within `radius` links of `asset` ignoring direction (at most `limit`, nearest first), and the
    links among them."""
    query = (f"MATCH (a:DnaAsset {{tenant: $t, uid: $a}}) "
             f"OPTIONAL MATCH p = SHORTEST 1 (a)((x:DnaAsset {{tenant: $t}})-[:{LINK_PATTERN}]-"
             f"(y:DnaAsset {{tenant: $t}})){{1,{int(radius)}}}(b:DnaAsset {{tenant: $t}}) "
             "WITH a, b, length(p) AS d WHERE b <> a ORDER BY d, b.uid "
             "WITH a, collect(DISTINCT b.uid)[..$limit] AS others RETURN [a.uid] + others")
    rows = cypher(query, {"t": tenant, "a": asset, "limit": max(limit - 1, 0)})
    if not rows:
        return [], []
    uids = [u for u in rows[0][0] if u is not None]
    edges = cypher(f"MATCH (x:DnaAsset)-[r:{LINK_PATTERN}]->(y:DnaAsset) WHERE x.tenant = $t AND y.tenant = $t "
                   "AND x.uid IN $u AND y.uid IN $u RETURN x.uid, y.uid, r.weight", {"t": tenant, "u": uids})
    return uids, [(a, b, float(w)) for a, b, w in edges]
