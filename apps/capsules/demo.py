"""Demo capsules: the platform's regime monitor and the Helios partner's white-label grid watch, both published,
and Northwind's first runs of each over its demo stream (metered, charged, revenue shared, PFT minted)."""
from __future__ import annotations

from typing import Any

from apps.capsules import services
from apps.capsules.models import Capsule, CapsuleRun
from apps.core.actors import Actor
from apps.signals.models import Stream
from apps.tenants.models import Tenant

ACTOR = Actor.system("seed_demo")
CAPSULES = [  # owner slug, name, description, CEU minor-unit prices (run, stream-day, 1k points), Wh per run
    ("thermodynasty", "Regime monitor", "Replays the regime detector over a range of your streams: alarms, regimes "
     "and their energy, with a conservation proof.", (1_000, 500, 200), 0.4),
    ("helios", "Helios grid watch", "Helios Shield's regime watch for grid assets, tuned for substation "
     "telemetry.", (2_000, 0, 500), 0.4),
]
STREAM = "turbine-7 bearing temperature"


def _capsule(owner: Tenant, name: str, description: str, prices: tuple[int, int, int], wh: float) -> Capsule:
    existing = Capsule.objects.filter(tenant=owner, name=name, version="1.0.0").first()
    if existing is not None:
        return existing
    capsule = services.capsule_create(actor=ACTOR, tenant=owner, name=name, kind="regime_monitor",
                                      description=description, price_per_run=prices[0],
                                      price_per_stream_day=prices[1], price_per_1k_points=prices[2],
                                      energy_per_run_wh=wh)
    return services.capsule_publish(actor=ACTOR, tenant=owner, capsule_id=capsule.pk)


def seed(tenants: dict[str, Tenant], stdout: Any) -> None:
    capsules = [_capsule(tenants[slug], name, text, prices, wh) for slug, name, text, prices, wh in CAPSULES]
    northwind = tenants["northwind"]
    stream = Stream.objects.filter(tenant=northwind, name=STREAM).first()
    if stream is None or not stream.point_count or CapsuleRun.objects.filter(tenant=northwind).exists():
        stdout.write(f"  capsules: {len(capsules)} published capsules")
        return
    for capsule in capsules:
        # Executed here, not by a worker, so the demo shows charged runs straight away.
        run = services.capsule_run_start(actor=ACTOR, tenant=northwind, capsule_id=capsule.pk,
                                         inputs={"streams": [stream.pk]})
        services.capsule_run_execute(run_id=run.pk)
    stdout.write(f"  capsules: {len(capsules)} published capsules and {len(capsules)} charged runs for northwind")
