"""Structured "physics Q&A": filter, aggregate and rank a tenant's streams or assets by a signal feature over a
time window. Numbers come straight from the stored windows and alerts, so an assistant can cite them exactly.

A stream's value is the aggregate of its windows' feature over the windows that closed inside the time range
(alerts, anomalies, regime changes: the number raised in it). An asset's value aggregates the values of the
streams attached to it: the sum
for counts, the same aggregate otherwise (the mean of means, the max of maxima...).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Max, Min, Q, Sum

from apps.dna.models import Asset, AssetStream
from apps.signals.models import Alert, SignalWindow, Stream
from apps.tenants.models import Tenant

WINDOW_FEATURES = ("energy", "temperature", "entropy", "entropy_rate", "free_energy", "entropy_production",
                   "max_score", "mean", "minimum", "maximum")
COUNT_FEATURES = ("alerts", "open_alerts", "anomalies", "regime_changes")
FEATURES = WINDOW_FEATURES + COUNT_FEATURES
AGGREGATES = {"mean": Avg, "max": Max, "min": Min, "sum": Sum}
SUBJECTS = ("streams", "assets")
MAX_LIMIT = 100


@dataclass(frozen=True)
class QuerySpec:
    subject: str
    feature: str
    aggregate: str
    since: datetime | None
    until: datetime | None
    order: str  # "desc" ranks the largest first
    limit: int
    search: str | None = None
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class QueryRow:
    id: int
    name: str
    value: float | None
    windows: int
    detail: dict[str, Any]


ALERT_KINDS = {"open_alerts": Q(status="open"), "anomalies": Q(kind="anomaly"),
               "regime_changes": Q(kind="regime_change")}


def _in_range(field: str, spec: QuerySpec) -> Q:
    q = Q()
    if spec.since:
        q &= Q(**{f"{field}__gte": spec.since})
    if spec.until:
        q &= Q(**{f"{field}__lt": spec.until})
    return q


def _stream_values(tenant: Tenant, spec: QuerySpec, stream_ids: list[int]) -> dict[int, tuple[float | None, int]]:
    """stream id -> (value, windows counted): alerts by the time they fired, windows by the time they closed."""
    if spec.feature in COUNT_FEATURES:
        rows = (Alert.objects.filter(tenant=tenant, stream_id__in=stream_ids)
                .filter(ALERT_KINDS.get(spec.feature, Q()) & _in_range("ts", spec))
                .values("stream_id").annotate(n=Count("id")))
        counts = {r["stream_id"]: float(r["n"]) for r in rows}
        return {s: (counts.get(s, 0.0), 0) for s in stream_ids}
    agg = AGGREGATES[spec.aggregate]
    windows = (SignalWindow.objects.filter(tenant=tenant, stream_id__in=stream_ids, valid=True)
               .filter(_in_range("end_ts", spec)).values("stream_id").annotate(v=agg(spec.feature), n=Count("id")))
    found = {r["stream_id"]: (r["v"], r["n"]) for r in windows}
    return {s: found.get(s, (None, 0)) for s in stream_ids}


def _combine(values: list[float], spec: QuerySpec) -> float | None:
    if not values:
        return None
    if spec.feature in COUNT_FEATURES or spec.aggregate == "sum":
        return float(sum(values))
    if spec.aggregate == "max":
        return max(values)
    if spec.aggregate == "min":
        return min(values)
    return sum(values) / len(values)


def _rank(rows: list[QueryRow], spec: QuerySpec) -> list[QueryRow]:
    kept = [r for r in rows if r.value is not None
            and (spec.minimum is None or r.value >= spec.minimum) and (spec.maximum is None or r.value <= spec.maximum)]
    kept.sort(key=lambda r: (-r.value if spec.order == "desc" else r.value, r.id))  # type: ignore[operator]
    return kept[: spec.limit]


def query_run(*, tenant: Tenant, spec: QuerySpec) -> list[QueryRow]:
    """Ranked rows for `spec`; subjects with no data in the range are left out (not ranked as zero), except that
    alert counts are zero when nothing fired."""
    if spec.subject == "streams":
        streams = Stream.objects.filter(tenant=tenant)
        if spec.search:
            streams = streams.filter(Q(name__icontains=spec.search) | Q(asset_name__icontains=spec.search))
        meta = {s.pk: s for s in streams.only("id", "name", "units", "asset_name")}
        values = _stream_values(tenant, spec, list(meta))
        rows = [QueryRow(id=pk, name=meta[pk].name, value=v, windows=n,
                         detail={"units": meta[pk].units, "asset_name": meta[pk].asset_name})
                for pk, (v, n) in values.items()]
        return _rank(rows, spec)
    assets = Asset.objects.filter(tenant=tenant)
    if spec.search:
        assets = assets.filter(Q(name__icontains=spec.search) | Q(key__icontains=spec.search))
    links = list(AssetStream.objects.filter(tenant=tenant, asset__in=assets).values_list("asset_id", "stream_id"))
    values = _stream_values(tenant, spec, sorted({s for _, s in links}))
    by_asset: dict[int, list[int]] = {}
    for asset_id, stream_id in links:
        by_asset.setdefault(asset_id, []).append(stream_id)
    rows = []
    for asset in assets.only("id", "name", "key", "kind"):
        members = [(v, n) for v, n in (values.get(s, (None, 0)) for s in by_asset.get(asset.pk, [])) if v is not None]
        rows.append(QueryRow(id=asset.pk, name=asset.name, value=_combine([v for v, _ in members], spec),
                             windows=sum(n for _, n in members),
                             detail={"key": asset.key, "kind": asset.kind, "streams": len(by_asset.get(asset.pk, []))}))
    return _rank(rows, spec)
