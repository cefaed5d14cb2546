"""Instantiating a signal template on a tenant's streams in one step."""
from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.core.selectors import get_or_not_found
from apps.dna.errors import DnaErrorCode
from apps.dna.models import Asset, AssetStream, SignalTemplate, TemplateInstance
from apps.dna.services.assets import locked, stream_attach_in_transaction
from apps.ops.services import audit_record
from apps.signals.models import Stream
from apps.signals.services import stream_create, stream_regime_configure_in_transaction
from apps.tenants.models import Tenant


def _field(name: str, message: str, code: DnaErrorCode) -> ApplicationError:
    return ApplicationError(message, code=code, extra={"fields": {name: [message]}})


def _bound_stream(tenant: Tenant, role: str, spec: dict[str, Any], stream_id: Any) -> Stream:
    streams = locked(Stream.objects.filter(tenant=tenant, pk=stream_id)) if str(stream_id).isdigit() else []
    if not streams:
        raise _field(f"bindings.{role}", "No such stream.", DnaErrorCode.UNKNOWN_STREAM)
    if streams[0].kind != spec["kind"]:
        raise _field(f"bindings.{role}", f"The {role} input needs a {spec['kind']} stream, not {streams[0].kind}.",
                     DnaErrorCode.STREAM_KIND_MISMATCH)
    return streams[0]


def _new_stream(actor: Actor, tenant: Tenant, template: SignalTemplate, spec: dict[str, Any], prefix: str,
                asset: Asset | None) -> Stream:
    low_high = spec.get("value_range") or (None, None)
    stream = stream_create(actor=actor, tenant=tenant, name=f"{prefix} {spec['role'].replace('_', ' ')}"[:200],
                           kind=spec["kind"], units=spec.get("units", "")[:50],
                           asset_name=asset.key if asset else "",
                           description=f"{template.name}: {spec.get('description', '')}".strip(),
                           window_size=template.parameters["window_size"], n_bins=template.parameters["n_bins"],
                           value_low=low_high[0], value_high=low_high[1], detector=template.detector)
    if template.changepoint:
        # the regime tracker its evidence was measured with (kernels/scenarios/evaluate.py runs the same one)
        stream_regime_configure_in_transaction(stream=stream, changepoint=template.changepoint)
    return stream


@transaction.atomic(durable=True)
def template_instantiate(*, actor: Actor, tenant: Tenant, template_key: str, name_prefix: str,
                         asset_id: int | None = None, bindings: dict[str, Any] | None = None) -> TemplateInstance:
    """The entry point (API, portal): its own transaction; see template_instantiate_in_transaction."""
    return template_instantiate_in_transaction(actor=actor, tenant=tenant, template_key=template_key,
                                               name_prefix=name_prefix, asset_id=asset_id, bindings=bindings)


@transaction.atomic
def template_instantiate_in_transaction(*, actor: Actor, tenant: Tenant, template_key: str, name_prefix: str,
                                        asset_id: int | None = None,
                                        bindings: dict[str, Any] | None = None) -> TemplateInstance:
    """For each template input: bind the given stream (same kind; it keeps its own window and detector, having
    calibrated already) or create a stream named "<prefix> <role>" with the template's window, bins, value range
    and detector settings. With an asset, every stream is attached to it. All or nothing."""
    template = get_or_not_found(SignalTemplate.objects.all(), "No such template.", key=template_key)
    if not template.is_active:
        raise ApplicationError("This template was retired by a later ontology release.",
                               code=DnaErrorCode.TEMPLATE_INACTIVE)
    bindings = bindings or {}
    roles = {spec["role"]: spec for spec in template.inputs}
    unknown = sorted(set(bindings) - set(roles))
    if unknown:
        raise ApplicationError("Unknown input roles.", code=DnaErrorCode.UNKNOWN_ROLE,
                               extra={"fields": {f"bindings.{r}": [f"Roles are {', '.join(roles)}."] for r in unknown}})
    asset = None
    if asset_id is not None:
        found = locked(Asset.objects.filter(tenant=tenant, pk=asset_id))
        asset = found[0] if found else None
        if asset is None:
            raise _field("asset", "No such asset.", DnaErrorCode.UNKNOWN_ASSET)
    applied: dict[str, Any] = {}
    for role, spec in roles.items():
        created = bindings.get(role) in (None, "")
        stream = (_new_stream(actor, tenant, template, spec, name_prefix, asset) if created
                  else _bound_stream(tenant, role, spec, bindings[role]))
        if asset is not None and not AssetStream.objects.filter(stream=stream, asset=asset).exists():
            stream_attach_in_transaction(actor=actor, tenant=tenant, asset=asset, stream=stream)
        applied[role] = {"stream": stream.pk, "created": created}
    settings = {"parameters": template.parameters, "detector": template.detector, "signals": template.signals,
                "changepoint": template.changepoint, "alert_policy": template.alert_policy, "budgets": template.budgets}
    instance = TemplateInstance.objects.create(tenant=tenant, template=template, asset=asset, bindings=applied,
                                               settings=settings)
    audit_record(actor=actor, action="template.instantiate", obj=instance, tenant_id=tenant.pk,
                 after={"template": template.key, "asset": asset_id, "bindings": applied})
    return instance
