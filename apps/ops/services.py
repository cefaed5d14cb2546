from __future__ import annotations

from typing import Any

from django.db import models, transaction

from apps.core.actors import Actor
from apps.core.request_context import request_id_var
from apps.ops.models import AuditLog


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-safe picture of a row for before/after columns."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(instance, name)
        out[name] = value if isinstance(value, (str, int, float, bool, type(None), list, dict)) else str(value)
    return out


def audit_record(*, actor: Actor, action: str, obj: models.Model | None = None, tenant_id: int | None = None,
                 object_type: str = "", object_id: str = "", before: dict[str, Any] | None = None,
                 after: dict[str, Any] | None = None) -> AuditLog:
    """Append one audit row inside the caller's transaction, so it commits (or not) with the write."""
    assert transaction.get_connection().in_atomic_block, "audit rows belong in the write's transaction"
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or str(obj.pk)
    return _create(actor=actor, action=action, tenant_id=tenant_id, object_type=object_type, object_id=object_id,
                   before=before, after=after)


def audit_record_alone(*, actor: Actor, action: str, tenant_id: int | None, object_type: str, object_id: str,
                       after: dict[str, Any] | None = None) -> AuditLog:
    """Append an audit row that is a write of its own (the record of a call, e.g. an MCP tool call, whose work
    committed or read nothing in a transaction of the caller's): a single INSERT commits atomically by itself, so
    it runs in autocommit, one database round trip instead of BEGIN, INSERT, COMMIT. Inside a transaction the row
    belongs to that write: use `audit_record`."""
    assert not transaction.get_connection().in_atomic_block, "inside a write's transaction, use audit_record"
    return _create(actor=actor, action=action, tenant_id=tenant_id, object_type=object_type, object_id=object_id,
                   before=None, after=after)


def _create(*, actor: Actor, action: str, tenant_id: int | None, object_type: str, object_id: str,
            before: dict[str, Any] | None, after: dict[str, Any] | None) -> AuditLog:
    return AuditLog.objects.create(
        actor_user_id=actor.user_id, actor_api_key_id=actor.api_key_id, actor_label=actor.label,
        tenant_id=tenant_id, action=action, object_type=object_type, object_id=object_id,
        before=before, after=after, request_id=request_id_var.get() or "",
    )


from apps.ops.energy.records import job_energy_record  # noqa: E402  (the energy service lives with its sampler)

__all__ = ["audit_record", "audit_record_alone", "job_energy_record", "snapshot"]
