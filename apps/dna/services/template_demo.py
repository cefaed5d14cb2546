"""'Try on demo data': a template instantiated in the tenant's sandbox and filled with its scenario.

The demo streams are real streams: the template's streams are created through the template service (window,
bins, detector and regime tracker as the template says) and the scenario's points go through the signals ingest,
in the same transaction, so the demo raises exactly the alerts the gallery shows (the same episode, the same
detection code). The episode's clock is moved to end before now, starting on a Monday at 00:00 UTC, so its daily
and weekly shape meets the detector's time-of-day context as it was generated.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.core.selectors import get_or_not_found
from apps.dna.errors import DnaErrorCode
from apps.dna.models import Asset, AssetKind, SignalTemplate, TemplateInstance
from apps.dna.services.assets import asset_create_in_transaction, locked
from apps.dna.services.templates import template_instantiate_in_transaction
from apps.ops.services import audit_record
from apps.signals.models import Stream
from apps.signals.services import points_ingest_in_transaction
from apps.tenants.models import Tenant
from kernels.scenarios import all_specs
from kernels.scenarios.gallery import SEED
from kernels.scenarios.types import REGIMES, Scenario

SANDBOX_KEY = "demo-sandbox"
MAX_SEED = 1_000_000


@dataclass(frozen=True)
class TemplateDemo:
    instance: TemplateInstance
    streams: list[int]
    points: int
    alerts: int
    onset: datetime | None


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, code=DnaErrorCode.INVALID_DEMO, extra={"fields": {field: [message]}})


def _checked(regime: Any, seed: Any) -> tuple[str, int]:
    if regime not in REGIMES:
        raise _invalid("regime", f"Choose one of {', '.join(REGIMES)}.")
    if seed is None or seed == "":
        return str(regime), SEED
    if isinstance(seed, bool) or not str(seed).isdigit() or int(seed) > MAX_SEED:
        raise _invalid("seed", f"A whole number from 0 to {MAX_SEED:,}.")
    return str(regime), int(seed)


def _sandbox(actor: Actor, tenant: Tenant) -> Asset:
    found = locked(Asset.objects.filter(tenant=tenant, key=SANDBOX_KEY))
    if found:
        return found[0]
    return asset_create_in_transaction(actor=actor, tenant=tenant, key=SANDBOX_KEY, name="Demo sandbox",
                                       kind=AssetKind.SITE, description="Demo streams filled from the use-case "
                                       "scenarios ('try on demo data' on the templates page).")


def _prefix(tenant: Tenant, template: SignalTemplate, regime: str, seed: int) -> str:
    base = f"demo {template.key.split('.', 1)[-1]} {regime} #{seed}"
    taken = set(Stream.objects.filter(tenant=tenant, name__startswith=base).values_list("name", flat=True))
    roles = [i["role"].replace("_", " ") for i in template.inputs]
    copy = 1
    while any(f"{_numbered(base, copy)} {role}" in taken for role in roles):
        copy += 1
    return _numbered(base, copy)


def _numbered(base: str, copy: int) -> str:
    return base if copy == 1 else f"{base} ({copy})"


def _start(scenario: Scenario, now: datetime) -> datetime:
    """A Monday 00:00 UTC from which the whole episode fits before ``now``."""
    latest = now - timedelta(seconds=float(scenario.times_s[-1]) + 1.0)
    monday = datetime(latest.year, latest.month, latest.day, tzinfo=UTC) - timedelta(days=latest.weekday())
    return monday


def _points(scenario: Scenario, role: str, kind: str, start: datetime) -> list[object]:
    origin = start.timestamp() - float(scenario.times_s[0])
    times = [origin + float(t) for t in scenario.times_s.tolist()]
    if kind == "categorical":
        return [{"t": t, "symbol": str(s)} for t, s in zip(times, scenario.values[role].tolist(), strict=True)]
    return [{"t": t, "v": float(v)} for t, v in zip(times, scenario.values[role].tolist(), strict=True)]


@transaction.atomic(durable=True)
def template_demo_create(*, actor: Actor, tenant: Tenant, template_key: str, regime: Any = "failure",
                         seed: Any = None) -> TemplateDemo:
    """Creates the template's streams in the tenant's sandbox asset (made on first use) and ingests its scenario
    (``regime`` normal or failure, ``seed`` 0-1,000,000, default the gallery's pictured seed) into them. All or
    nothing. Cost: the scenario's points (up to 7,200 per input) are scored as any ingest, about a second."""
    regime, seed = _checked(regime, seed)
    template = get_or_not_found(SignalTemplate.objects.all(), "No such template.", key=template_key)
    spec = all_specs().get(template.key)
    if spec is None:
        raise ApplicationError("This template has no scenario to demonstrate.", code=DnaErrorCode.NO_SCENARIO)
    scenario = spec.scenario(regime, seed)
    sandbox = _sandbox(actor, tenant)
    instance = template_instantiate_in_transaction(actor=actor, tenant=tenant, template_key=template.key,
                                                   name_prefix=_prefix(tenant, template, regime, seed),
                                                   asset_id=sandbox.pk)
    start = _start(scenario, timezone.now())
    kinds = {i["role"]: i["kind"] for i in template.inputs}
    streams, alerts = [], 0
    for role, binding in instance.bindings.items():
        result = points_ingest_in_transaction(actor=actor, tenant=tenant, stream_id=binding["stream"],
                                              points=_points(scenario, role, kinds[role], start))
        streams.append(binding["stream"])
        alerts += len(result.alerts)
    onset = None if scenario.onset is None else start + timedelta(
        seconds=float(scenario.times_s[scenario.onset] - scenario.times_s[0]))
    audit_record(actor=actor, action="template.demo", obj=instance, tenant_id=tenant.pk,
                 after={"template": template.key, "regime": regime, "seed": seed, "streams": streams,
                        "points": scenario.n_points * len(streams), "onset": onset.isoformat() if onset else None})
    return TemplateDemo(instance=instance, streams=streams, points=scenario.n_points * len(streams), alerts=alerts,
                        onset=onset)
