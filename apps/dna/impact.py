"""Graph queries on a tenant's assets: blast radius, shortest impact path and neighbourhoods.

Each runs on Neo4j when the mirror is on and falls back to PostgreSQL recursive CTEs when it is off or
unreachable; both backends give the same answers (the tests check them against each other on hand-built graphs).

Direction of impact: a disturbance at x reaches y when y depends on x, x flows to y, x hosts y, or x connects y.
The strength of a path is the product of its link weights (each in (0, 1]); an asset's impact is the strongest
path to it within the depth limit, and its depth the fewest links.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import OperationalError, connection, transaction

from apps.core.errors import ApplicationError
from apps.dna.errors import DnaErrorCode
from apps.dna.graph import reads
from apps.dna.graph.connection import GraphUnavailable, mirror_enabled
from apps.dna.models import Asset
from apps.dna.selectors import asset_get
from apps.tenants.models import Tenant

logger = logging.getLogger(__name__)

MAX_DEPTH = 6  # blast radius: each step multiplies the paths the fallback enumerates by the mean out-degree
MAX_PATH_DEPTH = 12
FALLBACK_TIMEOUT = "10s"
NEO4J, POSTGRES = "neo4j", "postgres"

STEPS_CTE = """steps(src, dst, weight) AS (
  SELECT source_id, target_id, weight FROM dna_assetlink
   WHERE tenant_id = %(t)s AND kind IN ('flows_to', 'hosts', 'connects')
  UNION ALL
  SELECT target_id, source_id, weight FROM dna_assetlink
   WHERE tenant_id = %(t)s AND kind IN ('depends_on', 'connects'))"""

BLAST_SQL = f"""WITH RECURSIVE {STEPS_CTE},
walk(uid, depth, strength, path) AS (
  SELECT %(a)s::bigint, 0, 1.0::float8, ARRAY[%(a)s::bigint]
  UNION ALL
  SELECT s.dst, w.depth + 1, w.strength * s.weight, w.path || s.dst
    FROM walk w JOIN steps s ON s.src = w.uid
   WHERE w.depth < %(n)s AND NOT s.dst = ANY(w.path))
SELECT uid, min(depth), max(strength) FROM walk WHERE uid <> %(a)s GROUP BY uid"""

# Shortest paths only: hop distances from the source (forward) and to the target (backward) are computed with
# set semantics (rows <= assets x depth), then paths are enumerated over links on some shortest path only.
PATH_SQL = f"""WITH RECURSIVE {STEPS_CTE},
fwd(uid, d) AS (SELECT %(a)s::bigint, 0 UNION SELECT s.dst, f.d + 1 FROM fwd f JOIN steps s ON s.src = f.uid
                WHERE f.d < %(n)s),
bwd(uid, d) AS (SELECT %(b)s::bigint, 0 UNION SELECT s.src, g.d + 1 FROM bwd g JOIN steps s ON s.dst = g.uid
                WHERE g.d < %(n)s),
df AS (SELECT uid, min(d) AS d FROM fwd GROUP BY uid),
db AS (SELECT uid, min(d) AS d FROM bwd GROUP BY uid),
total AS (SELECT d FROM df WHERE uid = %(b)s),
useful AS (SELECT s.src, s.dst, s.weight FROM steps s JOIN df ON df.uid = s.src JOIN db ON db.uid = s.dst, total
           WHERE df.d + 1 + db.d = total.d),
walk(uid, path, weights, strength) AS (
  SELECT %(a)s::bigint, ARRAY[%(a)s::bigint], ARRAY[]::float8[], 1.0::float8
  UNION ALL
  SELECT u.dst, w.path || u.dst, w.weights || u.weight, w.strength * u.weight
    FROM walk w JOIN useful u ON u.src = w.uid WHERE w.uid <> %(b)s)
SELECT path, weights FROM walk WHERE uid = %(b)s AND %(a)s <> %(b)s"""

NEIGHBOURHOOD_SQL = """WITH RECURSIVE und(src, dst) AS (
  SELECT source_id, target_id FROM dna_assetlink WHERE tenant_id = %(t)s
  UNION ALL SELECT target_id, source_id FROM dna_assetlink WHERE tenant_id = %(t)s),
reach(uid, d) AS (SELECT %(a)s::bigint, 0 UNION SELECT u.dst, r.d + 1 FROM reach r JOIN und u ON u.src = r.uid
                  WHERE r.d < %(n)s)
SELECT uid FROM reach GROUP BY uid ORDER BY min(d), uid LIMIT %(limit)s"""


@dataclass(frozen=True)
class Impacted:
    uid: int
    key: str
    name: str
    kind: str
    depth: int
    impact: float


@dataclass(frozen=True)
class BlastRadius:
    source: int
    depth: int
    backend: str
    assets: list[Impacted]

    @property
    def total_impact(self) -> float:
        return sum(a.impact for a in self.assets)


@dataclass(frozen=True)
class ImpactPath:
    assets: list[Impacted]
    weights: list[float]
    strength: float
    backend: str


def _fallback_sql(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """A bounded run: the enumerating CTEs can grow fast on dense graphs, so they get a statement timeout."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('statement_timeout'), set_config('statement_timeout', %s, true)",
                           [FALLBACK_TIMEOUT])
            previous = cursor.fetchone()[0]
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
            return rows
    except OperationalError as exc:
        raise ApplicationError("The asset graph is too dense for this query without the graph mirror; use a "
                               "smaller depth.", code=DnaErrorCode.GRAPH_TOO_LARGE, status=422) from exc


def _run(neo4j: Callable[[], Any], postgres: Callable[[], Any], backend: str | None) -> tuple[Any, str]:
    chosen = backend or (NEO4J if mirror_enabled() else POSTGRES)
    if chosen == NEO4J:
        try:
            return neo4j(), NEO4J
        except GraphUnavailable as exc:
            if backend == NEO4J:
                raise ApplicationError(str(exc), code=DnaErrorCode.GRAPH_UNAVAILABLE, status=503) from exc
            logger.warning("graph mirror unreachable, answering from PostgreSQL: %s", exc)
    return postgres(), POSTGRES


def _relax(tenant_id: int, source: int, depth: int) -> list[tuple[int, int, float]]:
    """Hop-limited max-product Bellman-Ford on Neo4j, one query per depth. With weights <= 1 a cycle never
    strengthens a path, so this equals the best simple path within `depth` links."""
    best: dict[int, float] = {source: 1.0}
    first: dict[int, int] = {}
    frontier = {source}
    for level in range(1, depth + 1):
        previous, improved = dict(best), set()
        for a, b, weight in reads.impact_step(tenant_id, sorted(frontier)):
            if b == source:
                continue
            first.setdefault(b, level)
            if previous[a] * weight > best.get(b, 0.0):
                best[b] = previous[a] * weight
                improved.add(b)
        frontier = improved
        if not frontier:
            break
    return [(uid, first[uid], best[uid]) for uid in first]


def _described(tenant: Tenant, rows: list[tuple[int, int, float]]) -> list[Impacted]:
    assets = Asset.objects.filter(tenant=tenant, pk__in=[r[0] for r in rows]).in_bulk()
    found = [Impacted(uid=uid, key=assets[uid].key, name=assets[uid].name, kind=assets[uid].kind, depth=int(d),
                      impact=float(s)) for uid, d, s in rows if uid in assets]
    return sorted(found, key=lambda a: (a.depth, -a.impact, a.uid))


def blast_radius(*, tenant: Tenant, asset_id: int, depth: int = 3, backend: str | None = None) -> BlastRadius:
    """The assets a disturbance at `asset_id` reaches within `depth` links (1..6), strongest path per asset."""
    asset = asset_get(tenant=tenant, asset_id=asset_id)
    depth = max(1, min(int(depth), MAX_DEPTH))
    rows, used = _run(lambda: _relax(tenant.pk, asset.pk, depth),
                      lambda: _fallback_sql(BLAST_SQL, {"t": tenant.pk, "a": asset.pk, "n": depth}), backend)
    return BlastRadius(source=asset.pk, depth=depth, backend=used, assets=_described(tenant, rows))


def _best(paths: list[tuple[list[int], list[float]]]) -> tuple[list[int], list[float], float] | None:
    def strength(weights: list[float]) -> float:
        value = 1.0
        for w in weights:
            value *= w
        return value

    ranked = sorted(((len(p), -strength(w), list(p), list(w)) for p, w in paths))
    return (ranked[0][2], ranked[0][3], -ranked[0][1]) if ranked else None


def shortest_path(*, tenant: Tenant, source_id: int, target_id: int, max_depth: int = 8,
                  backend: str | None = None) -> ImpactPath | None:
    """The fewest-links impact path source -> target; ties go to the strongest, then the smallest asset ids."""
    source = asset_get(tenant=tenant, asset_id=source_id)
    target = asset_get(tenant=tenant, asset_id=target_id)
    if source.pk == target.pk:
        return None
    depth = max(1, min(int(max_depth), MAX_PATH_DEPTH))
    paths, used = _run(lambda: reads.all_shortest_paths(tenant.pk, source.pk, target.pk, depth),
                       lambda: _fallback_sql(PATH_SQL, {"t": tenant.pk, "a": source.pk, "b": target.pk, "n": depth}),
                       backend)
    best = _best([(list(p), [float(x) for x in w]) for p, w in paths])
    if best is None:
        return None
    uids, weights, strength = best
    assets = Asset.objects.filter(tenant=tenant, pk__in=uids).in_bulk()
    steps = [Impacted(uid=u, key=assets[u].key, name=assets[u].name, kind=assets[u].kind, depth=i,
                      impact=float(_prefix(weights, i))) for i, u in enumerate(uids)]
    return ImpactPath(assets=steps, weights=weights, strength=strength, backend=used)


def _prefix(weights: list[float], n: int) -> float:
    value = 1.0
    for w in weights[:n]:
        value *= w
    return value


def neighbourhood(*, tenant: Tenant, asset_id: int, radius: int, limit: int,
                  backend: str | None = None) -> tuple[list[int], list[tuple[int, int, float]], str]:
    """Assets within `radius` links of the asset, any direction, nearest first (at most `limit`), and the
    links among them as (source, target, weight)."""
    asset = asset_get(tenant=tenant, asset_id=asset_id)

    def from_postgres() -> tuple[list[int], list[tuple[int, int, float]]]:
        uids = [r[0] for r in _fallback_sql(NEIGHBOURHOOD_SQL, {"t": tenant.pk, "a": asset.pk, "n": radius,
                                                                 "limit": limit})]
        links = list(tenant_links(tenant=tenant, asset_ids=uids))
        return uids, links

    (uids, links), used = _run(lambda: reads.neighbourhood(tenant.pk, asset.pk, radius, limit), from_postgres,
                               backend)
    return uids, links, used


def tenant_links(*, tenant: Tenant, asset_ids: list[int]) -> list[tuple[int, int, float]]:
    from apps.dna.models import AssetLink

    return list(AssetLink.objects.filter(tenant=tenant, source_id__in=asset_ids, target_id__in=asset_ids)
                .order_by("pk").values_list("source_id", "target_id", "weight"))
