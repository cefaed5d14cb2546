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
    return AuditLog.objects.create(
        actor_user_id=actor.user_id, actor_api_key_id=actor.api_key_id, actor_label=actor.label,
        tenant_id=tenant_id, action=action, object_type=object_type, object_id=object_id,
        before=before, after=after, request_id=request_id_var.get() or "",
    )


from apps.ops.energy.records import job_energy_record  # noqa: E402  (the energy service lives with its sampler)

__all__ = ["audit_record", "job_energy_record", "snapshot"]
