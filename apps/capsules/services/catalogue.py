"""The catalogue: the platform and partners create capsules as drafts, publish them to buyers and retire them."""
from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.capsules.errors import CapsuleErrorCode
from apps.capsules.models import Capsule, CapsuleState
from apps.capsules.runners import runner_for
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError
from apps.core.selectors import get_or_not_found
from apps.ops.services import audit_record, snapshot
from apps.tenants.models import Tenant, TenantKind

DEFAULT_PARTNER_SHARE_BPS = 7000  # 70 % to the partner who built and sells the capsule, 30 % to the platform
SNAPSHOT_FIELDS = ["name", "version", "kind", "state", "price_per_run", "price_per_stream_day",
                   "price_per_1k_points", "price_per_gpu_second", "energy_per_run_wh", "partner_share_bps"]


@transaction.atomic(durable=True)
def capsule_create(*, actor: Actor, tenant: Tenant, name: str, kind: str, description: str = "",
                   version: str = "1.0.0", price_per_run: int = 0, price_per_stream_day: int = 0,
                   price_per_1k_points: int = 0, price_per_gpu_second: int = 0,
                   energy_per_run_wh: float = 0.0) -> Capsule:
    """A draft owned by `tenant` (the platform or a partner). Prices are CEU minor units; the input schema comes
    from the kind. A partner's revenue share starts at CAPSULE_PARTNER_SHARE_BPS; operators may change it while
    the capsule is a draft."""
    if tenant.kind not in (TenantKind.PLATFORM, TenantKind.PARTNER):
        raise ApplicationError("Only the platform and partners publish capsules.", code=CapsuleErrorCode.NOT_A_SELLER,
                               status=403)
    share = getattr(settings, "CAPSULE_PARTNER_SHARE_BPS", DEFAULT_PARTNER_SHARE_BPS) \
        if tenant.kind == TenantKind.PARTNER else 0
    capsule = Capsule(tenant=tenant, name=name, kind=kind, description=description, version=version,
                      input_schema=runner_for(kind).input_schema, price_per_run=price_per_run,
                      price_per_stream_day=price_per_stream_day, price_per_1k_points=price_per_1k_points,
                      price_per_gpu_second=price_per_gpu_second, energy_per_run_wh=energy_per_run_wh,
                      partner_share_bps=share)
    capsule.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            capsule.save()
    except IntegrityError as exc:
        raise ConflictError(f"{name} {version} exists; publish changes as a new version.",
                            code=CapsuleErrorCode.DUPLICATE_VERSION) from exc
    audit_record(actor=actor, action="capsule.create", obj=capsule, tenant_id=tenant.pk,
                 after=snapshot(capsule, SNAPSHOT_FIELDS))
    return capsule


def _transition(*, actor: Actor, tenant: Tenant, capsule_id: int, source: str, target: str) -> Capsule:
    capsule = get_or_not_found(Capsule.objects.select_for_update().filter(tenant=tenant), "No such capsule.",
                               pk=capsule_id)
    if capsule.state != source:
        raise ApplicationError(f"Only a {source} capsule can become {target}; this one is {capsule.state}.",
                               code=CapsuleErrorCode.INVALID_STATE, status=409)
    before = snapshot(capsule, ["state"])
    capsule.state = target
    stamp = "published_at" if target == CapsuleState.PUBLISHED else "retired_at"
    setattr(capsule, stamp, timezone.now())
    capsule.save(update_fields=["state", stamp, "updated_at"])
    audit_record(actor=actor, action=f"capsule.{target}", obj=capsule, tenant_id=tenant.pk, before=before,
                 after=snapshot(capsule, ["state"]))
    return capsule


@transaction.atomic(durable=True)
def capsule_publish(*, actor: Actor, tenant: Tenant, capsule_id: int) -> Capsule:
    """Published capsules are visible to the owner's buyers and never change again."""
    return _transition(actor=actor, tenant=tenant, capsule_id=capsule_id, source=CapsuleState.DRAFT,
                       target=CapsuleState.PUBLISHED)


@transaction.atomic(durable=True)
def capsule_retire(*, actor: Actor, tenant: Tenant, capsule_id: int) -> Capsule:
    """No new runs or subscriptions; existing runs stay readable. Buyers' subscriptions are cancelled by the
    next metering pass (a system context: they are other tenants' rows)."""
    return _transition(actor=actor, tenant=tenant, capsule_id=capsule_id, source=CapsuleState.PUBLISHED,
                       target=CapsuleState.RETIRED)
