"""Batched, version-guarded writes: UNWIND over bounded batches, one statement per label or relationship type.

Rows carry `tenant`, `uid`, `v` and the payload. `guard` decides when a row may overwrite what the graph holds:
"newer" (projection: only a strictly newer event applies, so replays and late duplicates change nothing) or
"repair" (reconcile: the same version may be rewritten, since the graph was edited behind the app's back, and a
version above `max_v` cannot come from any event, so it is overwritten too). Each function returns
(applied uids, uids whose endpoints are missing).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from apps.dna import payloads
from apps.dna.graph.connection import cypher
from apps.dna.graph.nodes import LINK_TYPES, MEASURES, NODE_PROPERTIES, PREDICATE_TYPES, RAISED_ON, label

BATCH = 5_000  # rows per UNWIND: big enough to amortise the round trip, small enough for a 512 MiB heap

_ensured: set[str] = set()


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start:start + BATCH]


def _guard(guard: str, var: str) -> str:
    if guard == "newer":
        return f"{var}.v < r.v"
    return f"({var}.v <= r.v OR {var}.v > $max_v)"


def ensure_schema() -> None:
    """Constraints and tenant indexes, once per process and server (IF NOT EXISTS makes it idempotent)."""
    from django.conf import settings

    from apps.dna.graph.nodes import NODE_CLASSES, schema_statements

    if settings.NEO4J_BOLT_URL in _ensured:
        return
    for statement in schema_statements():
        cypher(statement)
    for cls in NODE_CLASSES.values():
        cypher(f"CREATE INDEX dna_{cls.__label__.lower()}_tenant IF NOT EXISTS FOR (n:{cls.__label__}) ON (n.tenant)")
    _ensured.add(settings.NEO4J_BOLT_URL)


def upsert_nodes(object_type: str, rows: list[dict[str, Any]], *, guard: str = "newer",
                 max_v: int = 0) -> set[int]:
    """rows: {tenant, uid, v, props}. Creates missing nodes; returns the uids written."""
    query = (f"UNWIND $rows AS r MERGE (n:{label(object_type)} {{tenant: r.tenant, uid: r.uid}}) "
             "ON CREATE SET n.v = -1 "
             f"WITH n, r WHERE {_guard(guard, 'n')} SET n += r.props, n.v = r.v RETURN r.uid")
    applied: set[int] = set()
    for chunk in _chunks(rows):
        applied.update(row[0] for row in cypher(query, {"rows": chunk, "max_v": max_v}))
    return applied


def delete_nodes(object_type: str, rows: list[dict[str, Any]], *, guard: str = "newer", max_v: int = 0) -> set[int]:
    """rows: {tenant, uid, v}. DETACH DELETE removes the node's relationships with it."""
    query = (f"UNWIND $rows AS r MATCH (n:{label(object_type)} {{tenant: r.tenant, uid: r.uid}}) "
             f"WHERE {_guard(guard, 'n')} DETACH DELETE n RETURN r.uid")
    deleted: set[int] = set()
    for chunk in _chunks(rows):
        deleted.update(row[0] for row in cypher(query, {"rows": chunk, "max_v": max_v}))
    return deleted


@dataclass(frozen=True)
class EdgeSpec:
    """How an edge-like object maps to a relationship: its endpoints' labels and payload keys, its type."""

    start_label: str
    start_key: str
    end_label: str
    end_key: str
    rel_type: Callable[[dict[str, Any]], str]
    props: Callable[[dict[str, Any]], dict[str, Any]]


EDGE_SPECS: dict[str, EdgeSpec] = {
    payloads.LINK: EdgeSpec("DnaAsset", "source", "DnaAsset", "target", lambda p: LINK_TYPES[p["kind"]],
                            lambda p: {"weight": float(p["weight"])}),
    payloads.ATTACHMENT: EdgeSpec("DnaStream", "stream", "DnaAsset", "asset", lambda p: MEASURES, lambda p: {}),
    payloads.RELATION: EdgeSpec("DnaTerm", "subject", "DnaTerm", "object",
                                lambda p: PREDICATE_TYPES[p["predicate"]], lambda p: {}),
}


def _by_type(spec: EdgeSpec, rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        payload = row["payload"]
        groups.setdefault(spec.rel_type(payload), []).append(
            {"tenant": row["tenant"], "uid": row["uid"], "v": row["v"], "start": payload[spec.start_key],
             "end": payload[spec.end_key], "props": spec.props(payload)})
    return groups


def upsert_edges(object_type: str, rows: list[dict[str, Any]], *, guard: str = "newer",
                 max_v: int = 0) -> tuple[set[int], set[int]]:
    """rows: {tenant, uid, v, payload}. Endpoints are matched, never created: a missing one is reported."""
    spec, applied, matched = EDGE_SPECS[object_type], set(), set()
    for rel_type, group in _by_type(spec, rows).items():
        query = (f"UNWIND $rows AS r MATCH (a:{spec.start_label} {{tenant: r.tenant, uid: r.start}}) "
                 f"MATCH (b:{spec.end_label} {{tenant: r.tenant, uid: r.end}}) "
                 f"MERGE (a)-[e:{rel_type} {{uid: r.uid}}]->(b) ON CREATE SET e.v = -1, e.tenant = r.tenant "
                 f"WITH e, r, {_guard(guard, 'e')} AS fresh "
                 "FOREACH (_ IN CASE WHEN fresh THEN [1] ELSE [] END | SET e += r.props, e.v = r.v) "
                 "RETURN r.uid, fresh")
        for chunk in _chunks(group):
            for uid, fresh in cypher(query, {"rows": chunk, "max_v": max_v}):
                matched.add(uid)
                if fresh:
                    applied.add(uid)
    return applied, {row["uid"] for row in rows} - matched


def delete_edges(object_type: str, rows: list[dict[str, Any]]) -> set[int]:
    """rows: {tenant, uid, v, payload} of delete events; only an older relationship is removed."""
    spec, deleted = EDGE_SPECS[object_type], set[int]()
    for rel_type, group in _by_type(spec, rows).items():
        query = (f"UNWIND $rows AS r MATCH (a:{spec.start_label} {{tenant: r.tenant, uid: r.start}})"
                 f"-[e:{rel_type} {{uid: r.uid}}]->(b:{spec.end_label} {{tenant: r.tenant, uid: r.end}}) "
                 "WHERE e.v < r.v DELETE e RETURN r.uid")
        for chunk in _chunks(group):
            deleted.update(row[0] for row in cypher(query, {"rows": chunk}))
    return deleted


def delete_relationships_by_id(element_ids: list[str]) -> int:
    """Reconcile: relationships the app never wrote (or wrote wrong), found by their element ids."""
    removed = 0
    for start in range(0, len(element_ids), BATCH):
        rows = cypher("UNWIND $ids AS id MATCH ()-[e]->() WHERE elementId(e) = id DELETE e RETURN count(*)",
                      {"ids": element_ids[start:start + BATCH]})
        removed += rows[0][0] if rows else 0
    return removed


def link_alerts(rows: list[dict[str, Any]]) -> set[int]:
    """Each alert node points at exactly its stream (RAISED_ON); rows: {tenant, uid, v, payload}."""
    query = (f"UNWIND $rows AS r MATCH (a:{label(payloads.ALERT)} {{tenant: r.tenant, uid: r.uid}}) "
             f"WHERE a.v = r.v MATCH (s:{label(payloads.STREAM)} {{tenant: r.tenant, uid: r.stream}}) "
             f"OPTIONAL MATCH (a)-[old:{RAISED_ON}]->(o) WHERE o <> s DELETE old "
             f"MERGE (a)-[:{RAISED_ON}]->(s) RETURN DISTINCT r.uid")
    params = [{"tenant": r["tenant"], "uid": r["uid"], "v": r["v"], "stream": r["payload"]["stream"]} for r in rows]
    linked: set[int] = set()
    for chunk in _chunks(params):
        linked.update(row[0] for row in cypher(query, {"rows": chunk}))
    return linked


def node_rows(object_type: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """{tenant, uid, v, payload} -> {tenant, uid, v, props} with only the node's own properties."""
    keys = NODE_PROPERTIES[object_type]
    return [{"tenant": r["tenant"], "uid": r["uid"], "v": r["v"], "props": {k: r["payload"][k] for k in keys}}
            for r in rows]
