from __future__ import annotations

from typing import Any

from apps.capsules import services
from apps.capsules.models import Capsule
from apps.core.actors import Actor
from apps.signals import services as signal_services
from apps.signals.models import Stream
from apps.tenants.models import Tenant, TenantKind
from tests.signals.factories import wave
from tests.tenants.factories import PartnerFactory, TenantFactory

ACTOR = Actor.system("test")
PRICES = {"price_per_run": 500, "price_per_stream_day": 200, "price_per_1k_points": 1_000}


def platform() -> Tenant:
    return TenantFactory(slug="platform", name="Platform", kind=TenantKind.PLATFORM)


def partner_with_client(slug: str = "helios") -> tuple[Tenant, Tenant]:
    partner = PartnerFactory(slug=slug, name=f"Partner {slug}")
    return partner, TenantFactory(slug=f"{slug}-client", name=f"Client of {slug}", parent=partner)


def make_capsule(owner: Tenant, *, publish: bool = True, name: str = "Regime monitor", version: str = "1.0.0",
                 **prices: Any) -> Capsule:
    capsule = services.capsule_create(actor=ACTOR, tenant=owner, name=name, version=version, kind="regime_monitor",
                                      description="Regime shifts on your streams", energy_per_run_wh=0.5,
                                      **(prices or PRICES))
    if publish:
        capsule = services.capsule_publish(actor=ACTOR, tenant=owner, capsule_id=capsule.pk)
    return capsule


def stream_with_points(tenant: Tenant, n: int = 400, name: str = "turbine", spike_at: int | None = 300) -> Stream:
    stream = signal_services.stream_create(actor=ACTOR, tenant=tenant, name=name, units="C", window_size=20)
    signal_services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(n, spike_at=spike_at))
    stream.refresh_from_db()
    return stream
