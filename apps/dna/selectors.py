"""Reads. The ontology and templates are shared by every tenant (no tenant argument); everything else starts at
`.filter(tenant=tenant)`."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, Max, Prefetch, Q, QuerySet

from apps.core.selectors import get_or_not_found
from apps.dna import constructs
from apps.dna.errors import DnaErrorCode
from apps.dna.graph.connection import mirror_enabled, ping
from apps.dna.models import (
    Asset,
    AssetLink,
    AssetStream,
    GraphOutbox,
    OntologyRelation,
    OntologyTerm,
    OntologyVersion,
    OutboxStatus,
    SignalTemplate,
    TemplateInstance,
)
from apps.signals.models import Alert, AlertStatus, Point, SignalWindow, Stream
from apps.signals.processing import CATEGORICAL_ALPHABET
from apps.tenants.models import Tenant
from kernels.signal_compiler.physics import PHYSICS_FEATURES

STATE_WINDOWS = 32  # recent windows behind an asset's stability index and entropy structure
STATE_POINTS = 512  # recent points behind its irreversibility score
GRAPH_DRAW_LIMIT = 400  # assets drawn on the portal's graph page
LAG1 = PHYSICS_FEATURES.index("lag1_autocorrelation")


def ontology_current() -> OntologyVersion | None:
    return OntologyVersion.objects.filter(is_current=True).first()


def term_list(*, category: str | None = None, kind: str | None = None) -> QuerySet[OntologyTerm]:
    qs = OntologyTerm.objects.select_related("version")
    if category:
        qs = qs.filter(category=category)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("category", "kind", "key")


def term_get(*, key: str) -> OntologyTerm:
    related = OntologyRelation.objects.select_related("subject", "object").order_by("predicate", "pk")
    terms = (OntologyTerm.objects.select_related("version")
             .prefetch_related(Prefetch("relations_out", queryset=related), Prefetch("relations_in", queryset=related)))
    return get_or_not_found(terms, "No such ontology term.", key=key)


def template_list(*, industry: str | None = None) -> QuerySet[SignalTemplate]:
    qs = SignalTemplate.objects.filter(is_active=True)
    return (qs.filter(industry=industry) if industry else qs).order_by("industry", "key")


def template_get(*, key: str) -> SignalTemplate:
    return get_or_not_found(SignalTemplate.objects.all(), "No such template.", key=key)


def template_instance_list(*, tenant: Tenant) -> QuerySet[TemplateInstance]:
    return TemplateInstance.objects.filter(tenant=tenant).select_related("template", "asset")


def asset_list(*, tenant: Tenant, kind: str | None = None, search: str | None = None) -> QuerySet[Asset]:
    qs = Asset.objects.filter(tenant=tenant)
    if kind:
        qs = qs.filter(kind=kind)
    if search:
        qs = qs.filter(Q(key__icontains=search) | Q(name__icontains=search))
    return qs


def asset_get(*, tenant: Tenant, asset_id: int) -> Asset:
    return get_or_not_found(Asset.objects.filter(tenant=tenant), "No such asset.", code=DnaErrorCode.UNKNOWN_ASSET,
                            pk=asset_id)


def link_list(*, tenant: Tenant, asset_id: int | None = None) -> QuerySet[AssetLink]:
    qs = AssetLink.objects.filter(tenant=tenant).select_related("source", "target")
    if asset_id is not None:
        qs = qs.filter(Q(source_id=asset_id) | Q(target_id=asset_id))
    return qs


def link_get(*, tenant: Tenant, link_id: int) -> AssetLink:
    return get_or_not_found(link_list(tenant=tenant), "No such link.", pk=link_id)


def asset_streams(*, tenant: Tenant, asset_id: int) -> QuerySet[Stream]:
    return Stream.objects.filter(tenant=tenant, dna_attachment__asset_id=asset_id).order_by("name")


@dataclass
class StreamState:
    stream: Stream
    window: SignalWindow | None
    open_alerts: int
    stability_index: float | None
    irreversibility: float | None
    noise_class: str | None
    entropy: constructs.EntropyStructure | None
    phases: list[constructs.Phase]


@dataclass
class AssetState:
    asset: Asset
    streams: list[StreamState] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)

    @property
    def status(self) -> str:
        if not self.streams:
            return "no data"
        if any(a.severity in ("high", "critical") for a in self.alerts):
            return "alarm"
        if self.alerts or max(s.stream.last_score for s in self.streams) >= 0.5:
            return "warning"
        return "ok"


def _complete(window: SignalWindow) -> bool:
    # A window whose statistics left float64's range stores them as null (flagged); constructs skip it.
    return None not in window.vector and None not in (window.entropy, window.entropy_rate, window.entropy_production)


def _stream_state(tenant: Tenant, stream: Stream, open_alerts: int) -> StreamState:
    windows = [w for w in list(SignalWindow.objects.filter(tenant=tenant, stream=stream)
                               .order_by("-index")[:STATE_WINDOWS])[::-1] if _complete(w)]
    values = list(Point.objects.filter(tenant=tenant, stream_id=stream.pk).order_by("-ts")
                  .values_list("value", flat=True)[:STATE_POINTS])[::-1]
    vectors = np.array([w.vector for w in windows if len(w.vector) == 16]).reshape(-1, 16)
    alphabet = CATEGORICAL_ALPHABET if stream.kind == "categorical" else stream.n_bins
    last = windows[-1] if windows else None
    return StreamState(
        stream=stream, window=last, open_alerts=open_alerts,
        stability_index=constructs.stability_index(vectors) if len(vectors) else None,
        irreversibility=constructs.irreversibility_score(np.array(values)),
        noise_class=constructs.noise_class(last.vector[LAG1]) if last is not None and len(last.vector) == 16 else None,
        entropy=constructs.entropy_structure(np.array([w.entropy for w in windows]),
                                             np.array([w.entropy_rate for w in windows]),
                                             np.array([w.entropy_production for w in windows]), alphabet),
        phases=constructs.phase_transition_map(vectors) if len(vectors) else [])


def asset_state(*, tenant: Tenant, asset_id: int) -> AssetState:
    """Each attached stream's latest window (energy, temperature, entropies), its derived constructs, and the
    asset's open alerts. Cost: three small queries per stream."""
    asset = asset_get(tenant=tenant, asset_id=asset_id)
    streams = list(asset_streams(tenant=tenant, asset_id=asset.pk))
    alerts = list(Alert.objects.filter(tenant=tenant, stream__in=streams, status=AlertStatus.OPEN)
                  .select_related("stream").order_by("-ts")[:100])
    counts = {row["stream_id"]: row["n"] for row in Alert.objects.filter(
        tenant=tenant, stream__in=streams, status=AlertStatus.OPEN).values("stream_id").annotate(n=Count("id"))}
    return AssetState(asset=asset, streams=[_stream_state(tenant, s, counts.get(s.pk, 0)) for s in streams],
                      alerts=alerts)


def asset_graph(*, tenant: Tenant, limit: int = GRAPH_DRAW_LIMIT) -> dict[str, Any]:
    """The tenant's identity graph for drawing: assets (most connected first, at most `limit`) with their open
    alert counts, and the links among them."""
    assets = list(Asset.objects.filter(tenant=tenant)
                  .annotate(degree=Count("links_out", distinct=True) + Count("links_in", distinct=True))
                  .order_by("-degree", "pk")[:limit])
    ids = [a.pk for a in assets]
    alerts = dict(AssetStream.objects.filter(tenant=tenant, asset_id__in=ids)
                  .filter(stream__alerts__status=AlertStatus.OPEN).values("asset_id")
                  .annotate(n=Count("stream__alerts")).values_list("asset_id", "n"))
    links = AssetLink.objects.filter(tenant=tenant, source_id__in=ids, target_id__in=ids).order_by("pk")
    return {"nodes": [{"id": a.pk, "key": a.key, "name": a.name, "kind": a.kind, "alerts": alerts.get(a.pk, 0)}
                      for a in assets],
            "links": [{"id": link.pk, "source": link.source_id, "target": link.target_id, "kind": link.kind,
                       "weight": link.weight} for link in links],
            "total_assets": Asset.objects.filter(tenant=tenant).count()}


def mirror_status(*, tenant: Tenant, check_server: bool = True) -> dict[str, Any]:
    """Whether the mirror is on and reachable, and this tenant's outbox: pending, skipped, failing events."""
    events = GraphOutbox.objects.filter(tenant=tenant)
    counts = dict(events.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    failing = events.filter(status=OutboxStatus.PENDING, attempts__gt=0).order_by("-id").first()
    reachable, message = ping() if check_server else (mirror_enabled(), "not checked")
    return {"enabled": mirror_enabled(), "reachable": reachable, "message": message,
            "pending": counts.get(OutboxStatus.PENDING, 0), "done": counts.get(OutboxStatus.DONE, 0),
            "skipped": counts.get(OutboxStatus.SKIPPED, 0),
            "last_projected_at": events.aggregate(m=Max("processed_at"))["m"],
            "last_error": failing.error if failing else ""}
