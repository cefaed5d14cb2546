"""Compare the graph with PostgreSQL (the source of truth) and optionally repair it.

For one graph tenant (0 = the shared ontology) it reads every mirrored row from one PostgreSQL snapshot and
every node and relationship of that tenant from Neo4j, classifies the differences (missing, extra, different),
and with `repair` rewrites them in bounded UNWIND batches, stamping each object with its latest committed outbox
id so that pending events older than the snapshot stay no-ops and newer ones still apply.
"""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from apps.dna import payloads
from apps.dna.graph import reads, writes
from apps.dna.graph.connection import cypher
from apps.dna.graph.nodes import NODE_CLASSES, NODE_PROPERTIES
from apps.dna.models import OutboxStatus
from apps.tenants import rls

SAMPLE = 10  # ids listed per kind of drift in a report

TENANT_SQL = {
    payloads.ASSET: "SELECT id, key, name, kind FROM dna_asset WHERE tenant_id = %s",
    payloads.LINK: "SELECT id, source_id, target_id, kind, weight FROM dna_assetlink WHERE tenant_id = %s",
    payloads.ATTACHMENT: "SELECT id, asset_id, stream_id FROM dna_assetstream WHERE tenant_id = %s",
    payloads.STREAM: "SELECT id, name, kind, units FROM signals_stream WHERE tenant_id = %s",
    payloads.ALERT: "SELECT id, stream_id, severity, status, score, ts FROM signals_alert WHERE tenant_id = %s",
}
ONTOLOGY_SQL = {
    payloads.TERM: "SELECT id, key, name, category, kind, unit FROM dna_ontologyterm",
    payloads.RELATION: "SELECT id, subject_id, predicate, object_id FROM dna_ontologyrelation",
}


@dataclass
class KindDrift:
    missing: list[int] = field(default_factory=list)
    extra: list[Any] = field(default_factory=list)
    different: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.missing) + len(self.extra) + len(self.different)


@dataclass
class ReconcileReport:
    tenant: int
    expected: dict[str, int]
    drift: dict[str, KindDrift]
    pending_events: int
    repaired: bool
    seconds: float

    @property
    def total(self) -> int:
        return sum(d.total for d in self.drift.values())

    def as_dict(self) -> dict[str, Any]:
        return {"tenant": self.tenant, "repaired": self.repaired, "seconds": round(self.seconds, 3),
                "pending_events": self.pending_events, "drift_total": self.total, "expected": self.expected,
                "drift": {k: {"missing": len(d.missing), "extra": len(d.extra), "different": len(d.different),
                              "sample": {"missing": d.missing[:SAMPLE], "extra": [str(x) for x in d.extra[:SAMPLE]],
                                         "different": d.different[:SAMPLE]}}
                          for k, d in self.drift.items()}}


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of all tables. Inside an existing transaction (tests) that transaction is the view."""
    with rls.system_context(reason="reconcile compares every tenant's rows with the graph"):
        if connection.in_atomic_block:
            yield
            return
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield


def _fetch(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _expected(tenant: int) -> tuple[dict[str, dict[int, dict[str, Any]]], dict[tuple[str, int], int], int]:
    """object type -> uid -> payload; (type, uid) -> latest committed outbox id; pending events."""
    specs, params = (ONTOLOGY_SQL, []) if tenant == payloads.ONTOLOGY_TENANT else (TENANT_SQL, [tenant])
    state = {kind: {row["id"]: payloads.BUILDERS[kind](row) for row in _fetch(sql, params)}
             for kind, sql in specs.items()}
    scope = "tenant_id IS NULL" if tenant == payloads.ONTOLOGY_TENANT else "tenant_id = %s"
    versions = {(t, i): v for t, i, v in (tuple(r.values()) for r in _fetch(
        f"SELECT object_type, object_id, max(id) AS v FROM dna_graphoutbox WHERE {scope} GROUP BY 1, 2", params))}
    pending = _fetch(f"SELECT count(*) AS n FROM dna_graphoutbox WHERE {scope} AND status = %s",
                     params + [OutboxStatus.PENDING])[0]["n"]
    return state, versions, pending


def _node_view(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    view = {k: payload[k] for k in NODE_PROPERTIES[kind]}
    if kind == payloads.ALERT:
        view["stream"] = payload["stream"]
    return view


def _diff_nodes(kind: str, tenant: int, expected: dict[int, dict[str, Any]], max_v: int) -> KindDrift:
    actual = reads.nodes_of(kind, tenant)
    drift = KindDrift(missing=sorted(set(expected) - set(actual)), extra=sorted(set(actual) - set(expected)))
    for uid in sorted(set(expected) & set(actual)):
        v, props = actual[uid]
        if props != _node_view(kind, expected[uid]) or v > max_v:
            drift.different.append(uid)
    return drift


def _edge_view(kind: str, payload: dict[str, Any]) -> tuple[Any, ...]:
    spec = writes.EDGE_SPECS[kind]
    return (spec.rel_type(payload), payload[spec.start_key], payload[spec.end_key], spec.props(payload))


def _graph_edge_view(kind: str, edge: reads.GraphEdge) -> tuple[Any, ...]:
    rel_type = {payloads.LINK: lambda t: writes.EDGE_SPECS[kind].rel_type({"kind": t}),
                payloads.RELATION: lambda t: writes.EDGE_SPECS[kind].rel_type({"predicate": t})}.get(kind, lambda t: t)
    return (rel_type(edge.rel_type), edge.start, edge.end, edge.props)


def _diff_edges(kind: str, tenant: int, expected: dict[int, dict[str, Any]], max_v: int
                ) -> tuple[KindDrift, list[str]]:
    """Drift plus the element ids to delete (extras, and the wrong copies of differing relationships)."""
    by_uid: dict[Any, list[reads.GraphEdge]] = defaultdict(list)
    for edge in reads.edges_of(kind, tenant):
        by_uid[None if edge.crosses_tenant or edge.uid not in expected else edge.uid].append(edge)
    drift, doomed = KindDrift(), [e.element_id for e in by_uid.pop(None, [])]
    drift.extra.extend(doomed)
    for uid in sorted(expected):
        edges = by_uid.get(uid, [])
        good = [e for e in edges if _graph_edge_view(kind, e) == _edge_view(kind, expected[uid]) and e.v <= max_v]
        if not edges:
            drift.missing.append(uid)
            continue
        keep = good[0] if good else None
        extras = [e.element_id for e in edges if e is not keep]
        if keep is None:
            drift.different.append(uid)
        else:
            drift.extra.extend(extras)
        doomed.extend(extras)
    return drift, doomed


def _max_outbox_id() -> int:
    return _fetch("SELECT coalesce(max(id), 0) AS m FROM dna_graphoutbox", [])[0]["m"]


def _repair_rows(kind: str, tenant: int, uids: list[int], expected: dict[int, dict[str, Any]],
                 versions: dict[tuple[str, int], int]) -> list[dict[str, Any]]:
    return [{"tenant": tenant, "uid": uid, "v": versions.get((kind, uid), 0), "payload": expected[uid]}
            for uid in uids]


def _still_absent(kind: str, uids: list[int]) -> list[int]:
    """Extra nodes are deleted only if PostgreSQL still lacks them: one may have been created since the snapshot."""
    if not uids:
        return []
    table = {payloads.ASSET: "dna_asset", payloads.STREAM: "signals_stream", payloads.ALERT: "signals_alert",
             payloads.TERM: "dna_ontologyterm"}[kind]
    with rls.system_context(reason="the nodes checked may be any tenant's"):
        present = {r["id"] for r in _fetch(f"SELECT id FROM {table} WHERE id = ANY(%s)", [uids])}
    return [u for u in uids if u not in present]


def _repair(tenant: int, state: dict, versions: dict, node_drift: dict[str, KindDrift],
            edge_drift: dict[str, tuple[KindDrift, list[str]]]) -> None:
    max_v = _max_outbox_id()
    writes.delete_relationships_by_id([eid for _, doomed in edge_drift.values() for eid in doomed])
    for kind, drift in node_drift.items():
        rows = [{"tenant": tenant, "uid": u, "v": max_v + 1} for u in _still_absent(kind, drift.extra)]
        writes.delete_nodes(kind, rows, guard="repair", max_v=max_v)
        fix = _repair_rows(kind, tenant, drift.missing + drift.different, state[kind], versions)
        writes.upsert_nodes(kind, writes.node_rows(kind, fix), guard="repair", max_v=max_v)
        if kind == payloads.ALERT:
            writes.link_alerts(fix)
    for kind, (drift, _) in edge_drift.items():
        fix = _repair_rows(kind, tenant, drift.missing + drift.different, state[kind], versions)
        writes.upsert_edges(kind, fix, guard="repair", max_v=max_v)


def graph_reconcile(*, tenant_id: int | None, repair: bool = False) -> ReconcileReport:
    """Drift report for one tenant (None: the shared ontology); with `repair`, fix it and report what was found.
    Cost: reads the tenant's whole graph and rows once (100k assets + 300k links: a few hundred MB of RAM)."""
    started, tenant = time.perf_counter(), payloads.ONTOLOGY_TENANT if tenant_id is None else tenant_id
    writes.ensure_schema()
    with _snapshot():
        state, versions, pending = _expected(tenant)
    max_v = _max_outbox_id()
    node_kinds = [k for k in payloads.NODE_TYPES if k in state]
    node_drift = {k: _diff_nodes(k, tenant, state[k], max_v) for k in node_kinds}
    edge_drift = {k: _diff_edges(k, tenant, state[k], max_v) for k in payloads.EDGE_TYPES if k in state}
    if repair:
        _repair(tenant, state, versions, node_drift, edge_drift)
    drift = {**node_drift, **{k: d for k, (d, _) in edge_drift.items()}}
    return ReconcileReport(tenant=tenant, expected={k: len(v) for k, v in state.items()}, drift=drift,
                           pending_events=pending, repaired=repair, seconds=time.perf_counter() - started)


def graph_tenants() -> list[int]:
    """Tenants holding mirrored rows in PostgreSQL or nodes in the graph (a deleted tenant's leftovers count)."""
    with rls.system_context(reason="finds the tenants themselves"):
        rows = _fetch("SELECT DISTINCT tenant_id AS t FROM (SELECT tenant_id FROM dna_asset UNION "
                      "SELECT tenant_id FROM signals_stream) s", [])
    in_pg = {r["t"] for r in rows}
    labels = " OR ".join(f"n:{cls.__label__}" for cls in NODE_CLASSES.values())
    in_graph = {row[0] for row in cypher(f"MATCH (n) WHERE {labels} RETURN DISTINCT n.tenant")}
    return sorted((in_pg | in_graph) - {payloads.ONTOLOGY_TENANT, None})
