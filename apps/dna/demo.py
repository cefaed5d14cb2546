"""Demo asset twins: Northwind's generation site (the turbine whose bearing stream the signals demo fills) and
Acme Water's distribution network. Imports upsert by key, so running it again changes nothing."""
from __future__ import annotations

from typing import Any

from apps.core.actors import Actor
from apps.dna import services
from apps.dna.graph.connection import GraphUnavailable, mirror_enabled
from apps.dna.models import Asset, AssetStream
from apps.signals.models import Stream
from apps.tenants.models import Tenant

NORTHWIND_ASSETS = [
    ("plant-north", "North generation plant", "site"), ("turbine-7", "Turbine 7", "equipment"),
    ("turbine-8", "Turbine 8", "equipment"), ("scada-1", "SCADA server", "host"),
    ("historian", "Process historian", "service"), ("dispatch-api", "Dispatch API", "service"),
    ("grid-tie", "Grid tie transformer", "equipment"), ("ot-net", "OT network", "network"),
    ("bearing-t7", "Turbine 7 bearing sensor", "sensor")]
NORTHWIND_LINKS = [
    ("plant-north", "turbine-7", "hosts", 1.0), ("plant-north", "turbine-8", "hosts", 1.0),
    ("plant-north", "grid-tie", "hosts", 1.0), ("turbine-7", "grid-tie", "flows_to", 0.6),
    ("turbine-8", "grid-tie", "flows_to", 0.6), ("scada-1", "historian", "hosts", 1.0),
    ("historian", "bearing-t7", "depends_on", 0.8), ("bearing-t7", "turbine-7", "connects", 0.9),
    ("dispatch-api", "historian", "depends_on", 0.7), ("scada-1", "ot-net", "depends_on", 0.9),
    ("dispatch-api", "grid-tie", "depends_on", 0.5)]
ACME_ASSETS = [
    ("reservoir", "Hill reservoir", "site"), ("pump-station-2", "Pump station 2", "equipment"),
    ("main-a", "Trunk main A", "equipment"), ("dma-14", "District meter area 14", "site"),
    ("dma-15", "District meter area 15", "site"), ("prv-14", "Pressure reducing valve 14", "equipment"),
    ("telemetry", "Telemetry outstation", "host")]
ACME_LINKS = [
    ("reservoir", "pump-station-2", "flows_to", 1.0), ("pump-station-2", "main-a", "flows_to", 0.9),
    ("main-a", "prv-14", "flows_to", 0.8), ("prv-14", "dma-14", "flows_to", 0.9), ("main-a", "dma-15", "flows_to", 0.7),
    ("pump-station-2", "telemetry", "depends_on", 0.6), ("telemetry", "prv-14", "connects", 0.4)]


def _import(tenant: Tenant, assets: list[tuple], links: list[tuple]) -> None:
    services.assets_import(actor=Actor.system("seed_demo"), tenant=tenant,
                           assets=[{"key": k, "name": n, "kind": kind} for k, n, kind in assets],
                           links=[{"source": s, "target": t, "kind": kind, "weight": w} for s, t, kind, w in links])


def _attach(tenant: Tenant, asset_key: str, stream_name: str) -> None:
    stream = Stream.objects.filter(tenant=tenant, name=stream_name).first()
    if stream is None or AssetStream.objects.filter(stream=stream).exists():
        return
    asset = Asset.objects.get(tenant=tenant, key=asset_key)
    services.stream_attach(actor=Actor.system("seed_demo"), tenant=tenant, asset_id=asset.pk, stream_id=stream.pk)


def seed(tenants: dict[str, Tenant], stdout: Any) -> None:
    _import(tenants["northwind"], NORTHWIND_ASSETS, NORTHWIND_LINKS)
    _attach(tenants["northwind"], "turbine-7", "turbine-7 bearing temperature")
    _import(tenants["acme-water"], ACME_ASSETS, ACME_LINKS)
    mirrored = "mirror off"
    if mirror_enabled():
        try:
            projected = services.graph_project()
            mirrored = f"{projected.events} graph events projected"
        except GraphUnavailable as exc:
            mirrored = f"graph server unreachable ({exc})"
    stdout.write(f"  dna: {len(NORTHWIND_ASSETS)} + {len(ACME_ASSETS)} asset twins with links ({mirrored})")
