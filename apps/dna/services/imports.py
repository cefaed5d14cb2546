"""Bulk import of assets and links: all rows or none, upserting assets by key and links by (source, target, kind),
with set-based writes (one bulk insert/update per table) and their outbox events in the same transaction."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError
from apps.dna import payloads
from apps.dna.errors import DnaErrorCode
from apps.dna.import_parsing import MAX_ASSETS, MAX_LINKS, AssetRow, ParsedImport, parse_import
from apps.dna.models import Asset, AssetLink
from apps.dna.services.assets import locked
from apps.dna.services.outbox import outbox_event, outbox_write
from apps.ops.services import audit_record
from apps.tenants.models import Tenant


@dataclass(frozen=True)
class ImportResult:
    assets_created: int
    assets_updated: int
    links_created: int
    links_updated: int
    unchanged: int


def _refuse(parsed: ParsedImport) -> None:
    raise ApplicationError(f"{len(parsed.errors)} row(s) are invalid; nothing was imported.",
                           code=DnaErrorCode.INVALID_ROWS, extra={"rows": parsed.errors})


def _upsert_assets(tenant: Tenant, rows: list[AssetRow], events: list[Any]) -> tuple[dict[str, Asset], int, int]:
    existing = {a.key: a for a in locked(Asset.objects.filter(tenant=tenant, key__in=[r.key for r in rows]))}
    new, changed = [], []
    for row in rows:
        asset = existing.get(row.key)
        if asset is None:
            new.append(Asset(tenant=tenant, key=row.key, name=row.name, kind=row.kind, description=row.description,
                             attributes=row.attributes))
        elif (asset.name, asset.kind, asset.description, asset.attributes) != (row.name, row.kind, row.description,
                                                                               row.attributes):
            graph_changed = (asset.name, asset.kind) != (row.name, row.kind)
            asset.name, asset.kind = row.name, row.kind
            asset.description, asset.attributes = row.description, row.attributes
            changed.append(asset)
            if graph_changed:
                events.append(outbox_event(tenant_id=tenant.pk, object_type=payloads.ASSET, obj=asset))
    try:
        with transaction.atomic():
            created = Asset.objects.bulk_create(new)
    except IntegrityError as exc:
        raise ConflictError("Another import created some of these assets at the same time; retry.",
                            code=DnaErrorCode.DUPLICATE_ASSET) from exc
    Asset.objects.bulk_update(changed, ["name", "kind", "description", "attributes", "updated_at"])
    events.extend(outbox_event(tenant_id=tenant.pk, object_type=payloads.ASSET, obj=a) for a in created)
    by_key = {**existing, **{a.key: a for a in created}}
    return by_key, len(created), len(changed)


def _resolve_endpoints(tenant: Tenant, parsed: ParsedImport, by_key: dict[str, Asset]) -> None:
    wanted = {k for _, link in parsed.links for k in (link.source, link.target)} - set(by_key)
    by_key.update({a.key: a for a in Asset.objects.filter(tenant=tenant, key__in=wanted)})
    for index, link in parsed.links:
        for name in ("source", "target"):
            if getattr(link, name) not in by_key:
                parsed.error("links", index, name, f"No asset with key {getattr(link, name)!r}.")


def _upsert_links(tenant: Tenant, parsed: ParsedImport, by_key: dict[str, Asset], events: list[Any]) -> tuple[int, int]:
    source_ids = {by_key[link.source].pk for _, link in parsed.links}
    existing = {(link.source_id, link.target_id, link.kind): link
                for link in locked(AssetLink.objects.filter(tenant=tenant, source_id__in=source_ids))}
    new, changed = [], []
    for _, row in parsed.links:
        triple = (by_key[row.source].pk, by_key[row.target].pk, row.kind)
        link = existing.get(triple)
        if link is None:
            new.append(AssetLink(tenant=tenant, source_id=triple[0], target_id=triple[1], kind=row.kind,
                                 weight=row.weight))
        elif link.weight != row.weight:
            link.weight = row.weight
            changed.append(link)
    try:
        with transaction.atomic():
            created = AssetLink.objects.bulk_create(new)
    except IntegrityError as exc:
        raise ConflictError("Another import created some of these links at the same time; retry.",
                            code=DnaErrorCode.DUPLICATE_LINK) from exc
    AssetLink.objects.bulk_update(changed, ["weight", "updated_at"])
    events.extend(outbox_event(tenant_id=tenant.pk, object_type=payloads.LINK, obj=link)
                  for link in [*created, *changed])
    return len(created), len(changed)


@transaction.atomic(durable=True)
def assets_import(*, actor: Actor, tenant: Tenant, assets: list[Any], links: list[Any]) -> ImportResult:
    """Validates every row first and refuses the whole import (HTTP 400, `extra.rows`) if any is bad.

    Up to 10,000 assets and 50,000 links per call. Existing rows are locked in primary-key order, so two
    overlapping imports serialise instead of deadlocking."""
    if len(assets) > MAX_ASSETS or len(links) > MAX_LINKS:
        raise ApplicationError(f"At most {MAX_ASSETS} assets and {MAX_LINKS} links per import.",
                               code=DnaErrorCode.IMPORT_TOO_LARGE)
    parsed = parse_import(assets, links)
    if parsed.errors:
        _refuse(parsed)
    events: list[Any] = []
    by_key, assets_created, assets_updated = _upsert_assets(tenant, parsed.assets, events)
    _resolve_endpoints(tenant, parsed, by_key)
    if parsed.errors:
        _refuse(parsed)  # raising rolls back the assets written above
    links_created, links_updated = _upsert_links(tenant, parsed, by_key, events)
    outbox_write(events)
    result = ImportResult(assets_created=assets_created, assets_updated=assets_updated, links_created=links_created,
                          links_updated=links_updated,
                          unchanged=len(parsed.assets) + len(parsed.links) - assets_created - assets_updated
                          - links_created - links_updated)
    audit_record(actor=actor, action="asset.import", tenant_id=tenant.pk, object_type="dna.Asset",
                 object_id="import", after=vars(result))
    return result
