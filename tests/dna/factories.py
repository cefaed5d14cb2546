from __future__ import annotations

from typing import Any

from apps.core.actors import Actor
from apps.dna import services
from apps.dna.models import Asset, AssetLink

ACTOR = Actor.system("test")


def make_asset(tenant: Any, key: str, kind: str = "service", name: str | None = None) -> Asset:
    return services.asset_create(actor=ACTOR, tenant=tenant, key=key, name=name or key.upper(), kind=kind)


def make_link(tenant: Any, source: Asset, target: Asset, kind: str = "depends_on", weight: float = 1.0) -> AssetLink:
    return services.link_create(actor=ACTOR, tenant=tenant, source_id=source.pk, target_id=target.pk, kind=kind,
                                weight=weight)


def make_graph(tenant: Any, links: list[tuple[str, str, str, float]], kind: str = "service") -> dict[str, Asset]:
    """Assets named by the keys in `links` [(source, target, kind, weight)], created in one import."""
    keys = sorted({k for s, t, _, _ in links for k in (s, t)})
    services.assets_import(actor=ACTOR, tenant=tenant,
                           assets=[{"key": k, "name": k.upper(), "kind": kind} for k in keys],
                           links=[{"source": s, "target": t, "kind": k, "weight": w} for s, t, k, w in links])
    return {a.key: a for a in Asset.objects.filter(tenant=tenant)}
