"""Asset twins, their links and stream attachments. Every write validates, audits and writes its graph outbox
event in one transaction; rows to change are locked in primary-key order first (one lock order everywhere), which
is also what keeps each object's outbox ids in commit order."""
from __future__ import annotations

from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction

from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError
from apps.core.selectors import not_found
from apps.dna import payloads
from apps.dna.errors import DnaErrorCode
from apps.dna.models import Asset, AssetLink, AssetStream, GraphOp
from apps.dna.services.outbox import outbox_event, outbox_write
from apps.ops.services import audit_record, snapshot
from apps.signals.models import Stream
from apps.tenants.models import Tenant

M = TypeVar("M", bound=models.Model)
ASSET_FIELDS = ["key", "name", "kind", "description", "attributes"]


def locked(queryset: models.QuerySet[M]) -> list[M]:
    """The one way to lock rows here: ordered by primary key, so concurrent writers never deadlock."""
    return list(queryset.select_for_update().order_by("pk"))


def _field_error(field: str, message: str, code: DnaErrorCode) -> ApplicationError:
    return ApplicationError(message, code=code, extra={"fields": {field: [message]}})


def _tenant_asset(tenant: Tenant, asset_id: Any, field: str) -> Asset:
    asset = Asset.objects.filter(tenant=tenant, pk=asset_id).first() if str(asset_id).isdigit() else None
    if asset is None:
        raise _field_error(field, "No such asset.", DnaErrorCode.UNKNOWN_ASSET)
    return asset


@transaction.atomic(durable=True)
def asset_create(*, actor: Actor, tenant: Tenant, key: str, name: str, kind: str, description: str = "",
                 attributes: dict[str, Any] | None = None) -> Asset:
    return asset_create_in_transaction(actor=actor, tenant=tenant, key=key, name=name, kind=kind,
                                       description=description, attributes=attributes)


@transaction.atomic
def asset_create_in_transaction(*, actor: Actor, tenant: Tenant, key: str, name: str, kind: str,
                                description: str = "", attributes: dict[str, Any] | None = None) -> Asset:
    asset = Asset(tenant=tenant, key=key, name=name, kind=kind, description=description, attributes=attributes or {})
    asset.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            asset.save()
    except IntegrityError as exc:
        raise ConflictError(f"An asset with key {key!r} exists.", code=DnaErrorCode.DUPLICATE_ASSET,
                            extra={"fields": {"key": ["Already used."]}}) from exc
    outbox_write([outbox_event(tenant_id=tenant.pk, object_type=payloads.ASSET, obj=asset)])
    audit_record(actor=actor, action="asset.create", obj=asset, tenant_id=tenant.pk,
                 after=snapshot(asset, ASSET_FIELDS))
    return asset


@transaction.atomic(durable=True)
def asset_update(*, actor: Actor, tenant: Tenant, asset_id: int, **changes: Any) -> Asset:
    """Changes name, kind, description or attributes (the key is the tenant's identifier and never changes)."""
    assets = locked(Asset.objects.filter(tenant=tenant, pk=asset_id))
    if not assets:
        raise not_found(Asset, "No such asset.", DnaErrorCode.UNKNOWN_ASSET)
    asset = assets[0]
    unknown = set(changes) - {"name", "kind", "description", "attributes"}
    if unknown:
        raise ApplicationError("Unknown fields.", code=DnaErrorCode.UNKNOWN_FIELDS,
                               extra={"fields": {f: ["Cannot be changed."] for f in unknown}})
    before = snapshot(asset, ASSET_FIELDS)
    for name, value in changes.items():
        setattr(asset, name, value)
    asset.full_clean(validate_constraints=False)
    asset.save()
    if {"name", "kind"} & set(changes):
        outbox_write([outbox_event(tenant_id=tenant.pk, object_type=payloads.ASSET, obj=asset)])
    audit_record(actor=actor, action="asset.update", obj=asset, tenant_id=tenant.pk, before=before,
                 after=snapshot(asset, ASSET_FIELDS))
    return asset


@transaction.atomic(durable=True)
def asset_delete(*, actor: Actor, tenant: Tenant, asset_id: int) -> None:
    """Deletes the asset with its links and stream attachments (the streams themselves stay)."""
    assets = locked(Asset.objects.filter(tenant=tenant, pk=asset_id))
    if not assets:
        raise not_found(Asset, "No such asset.", DnaErrorCode.UNKNOWN_ASSET)
    asset = assets[0]
    links = locked(AssetLink.objects.filter(tenant=tenant).filter(models.Q(source=asset) | models.Q(target=asset)))
    attachments = locked(AssetStream.objects.filter(tenant=tenant, asset=asset))
    events = [outbox_event(tenant_id=tenant.pk, object_type=payloads.LINK, obj=link, op=GraphOp.DELETE)
              for link in links]
    events += [outbox_event(tenant_id=tenant.pk, object_type=payloads.ATTACHMENT, obj=a, op=GraphOp.DELETE)
               for a in attachments]
    events.append(outbox_event(tenant_id=tenant.pk, object_type=payloads.ASSET, obj=asset, op=GraphOp.DELETE))
    before = snapshot(asset, ASSET_FIELDS) | {"links": len(links), "streams": len(attachments)}
    audit_record(actor=actor, action="asset.delete", obj=asset, tenant_id=tenant.pk, before=before)
    AssetLink.objects.filter(pk__in=[link.pk for link in links]).delete()
    AssetStream.objects.filter(pk__in=[a.pk for a in attachments]).delete()
    asset.delete()
    outbox_write(events)


def _check_link(tenant: Tenant, source_id: Any, target_id: Any) -> tuple[Asset, Asset]:
    source = _tenant_asset(tenant, source_id, "source")
    target = _tenant_asset(tenant, target_id, "target")
    if source.pk == target.pk:
        raise _field_error("target", "An asset cannot link to itself.", DnaErrorCode.SELF_LINK)
    return source, target


@transaction.atomic(durable=True)
def link_create(*, actor: Actor, tenant: Tenant, source_id: int, target_id: int, kind: str,
                weight: float = 1.0) -> AssetLink:
    source, target = _check_link(tenant, source_id, target_id)
    link = AssetLink(tenant=tenant, source=source, target=target, kind=kind, weight=weight)
    link.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError as exc:
        raise ConflictError(f"{source.key} already {kind.replace('_', ' ')} {target.key}.",
                            code=DnaErrorCode.DUPLICATE_LINK) from exc
    outbox_write([outbox_event(tenant_id=tenant.pk, object_type=payloads.LINK, obj=link)])
    audit_record(actor=actor, action="asset_link.create", obj=link, tenant_id=tenant.pk,
                 after={"source": source.key, "target": target.key, "kind": kind, "weight": weight})
    return link


@transaction.atomic(durable=True)
def link_update(*, actor: Actor, tenant: Tenant, link_id: int, weight: float) -> AssetLink:
    """Only the weight changes; a different kind or endpoint is a different link (delete and create)."""
    links = locked(AssetLink.objects.filter(tenant=tenant, pk=link_id))
    if not links:
        raise not_found(AssetLink, "No such link.")
    link, before = links[0], links[0].weight
    link.weight = weight
    link.full_clean(validate_constraints=False)
    link.save(update_fields=["weight", "updated_at"])
    outbox_write([outbox_event(tenant_id=tenant.pk, object_type=payloads.LINK, obj=link)])
    audit_record(actor=actor, action="asset_link.update", obj=link, tenant_id=tenant.pk, before={"weight": before},
                 after={"weight": weight})
    return link


@transaction.atomic(durable=True)
def link_delete(*, actor: Actor, tenant: Tenant, link_id: int) -> None:
    links = locked(AssetLink.objects.filter(tenant=tenant, pk=link_id))
    if not links:
        raise not_found(AssetLink, "No such link.")
    link = links[0]
    outbox_write([outbox_event(tenant_id=tenant.pk, object_type=payloads.LINK, obj=link, op=GraphOp.DELETE)])
    audit_record(actor=actor, action="asset_link.delete", obj=link, tenant_id=tenant.pk,
                 before=payloads.link_payload(vars(link)))
    link.delete()


def stream_attach_in_transaction(*, actor: Actor, tenant: Tenant, asset: Asset, stream: Stream) -> AssetStream:
    """Attach inside the caller's transaction (template instantiation attaches the streams it creates)."""
    if AssetStream.objects.filter(stream=stream).exists():
        raise ConflictError(f"Stream {stream.name!r} is already attached to an asset; detach it first.",
                            code=DnaErrorCode.STREAM_ATTACHED)
    attachment = AssetStream.objects.create(tenant=tenant, asset=asset, stream=stream)
    outbox_write([outbox_event(tenant_id=tenant.pk, object_type=payloads.ATTACHMENT, obj=attachment)])
    audit_record(actor=actor, action="asset.attach_stream", obj=asset, tenant_id=tenant.pk,
                 after={"stream": stream.pk, "stream_name": stream.name})
    return attachment


@transaction.atomic(durable=True)
def stream_attach(*, actor: Actor, tenant: Tenant, asset_id: int, stream_id: Any) -> AssetStream:
    asset = locked(Asset.objects.filter(tenant=tenant, pk=asset_id))
    if not asset:
        raise not_found(Asset, "No such asset.", DnaErrorCode.UNKNOWN_ASSET)
    streams = locked(Stream.objects.filter(tenant=tenant, pk=stream_id)) if str(stream_id).isdigit() else []
    if not streams:
        raise _field_error("stream", "No such stream.", DnaErrorCode.UNKNOWN_STREAM)
    return stream_attach_in_transaction(actor=actor, tenant=tenant, asset=asset[0], stream=streams[0])


@transaction.atomic(durable=True)
def stream_detach(*, actor: Actor, tenant: Tenant, asset_id: int, stream_id: int) -> None:
    attachments = locked(AssetStream.objects.filter(tenant=tenant, asset_id=asset_id, stream_id=stream_id))
    if not attachments:
        raise not_found(AssetStream, "That stream is not attached to this asset.", DnaErrorCode.UNKNOWN_STREAM)
    attachment = attachments[0]
    outbox_write([outbox_event(tenant_id=tenant.pk, object_type=payloads.ATTACHMENT, obj=attachment,
                               op=GraphOp.DELETE)])
    audit_record(actor=actor, action="asset.detach_stream", obj=attachment.asset, tenant_id=tenant.pk,
                 before={"stream": stream_id})
    attachment.delete()
