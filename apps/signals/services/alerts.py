from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.core.selectors import get_or_not_found
from apps.ops.services import audit_record
from apps.signals.errors import SignalErrorCode
from apps.signals.models import Alert, AlertStatus
from apps.tenants.models import Tenant


def _locked(tenant: Tenant, alert_id: int) -> Alert:
    return get_or_not_found(Alert.objects.select_for_update().filter(tenant=tenant), "No such alert.", pk=alert_id)


@transaction.atomic(durable=True)
def alert_acknowledge(*, actor: Actor, tenant: Tenant, alert_id: int, note: str = "") -> Alert:
    alert = _locked(tenant, alert_id)
    if alert.status != AlertStatus.OPEN:
        raise ApplicationError(f"Only an open alert can be acknowledged (this one is {alert.status}).",
                               code=SignalErrorCode.ALERT_STATE, status=409)
    alert.status, alert.acknowledged_at = AlertStatus.ACKNOWLEDGED, timezone.now()
    alert.acknowledged_by_id = actor.user_id
    alert.note = (alert.note + "\n" + note).strip() if note else alert.note
    alert.save()
    audit_record(actor=actor, action="alert.acknowledge", obj=alert, tenant_id=tenant.pk,
                 before={"status": "open"}, after={"status": alert.status, "note": note})
    return alert


@transaction.atomic(durable=True)
def alert_resolve(*, actor: Actor, tenant: Tenant, alert_id: int, note: str = "") -> Alert:
    alert = _locked(tenant, alert_id)
    if alert.status == AlertStatus.RESOLVED:
        raise ApplicationError("This alert is already resolved.", code=SignalErrorCode.ALERT_STATE, status=409)
    before = alert.status
    alert.status, alert.resolved_at, alert.resolved_by_id = AlertStatus.RESOLVED, timezone.now(), actor.user_id
    alert.note = (alert.note + "\n" + note).strip() if note else alert.note
    alert.save()
    audit_record(actor=actor, action="alert.resolve", obj=alert, tenant_id=tenant.pk,
                 before={"status": before}, after={"status": alert.status, "note": note})
    return alert


@transaction.atomic(durable=True)
def alert_acknowledge_many(*, actor: Actor, tenant: Tenant, alert_ids: list[int], note: str = "") -> int:
    """Acknowledges those of `alert_ids` that are open, in one transaction; others (already acknowledged, resolved,
    another tenant's, unknown) are skipped. Rows lock in pk order so two bulk requests cannot deadlock. Returns
    how many changed."""
    alerts = list(Alert.objects.select_for_update().filter(tenant=tenant, pk__in=alert_ids, status=AlertStatus.OPEN)
                  .order_by("pk"))
    now = timezone.now()
    for alert in alerts:
        alert.status, alert.acknowledged_at, alert.acknowledged_by_id = AlertStatus.ACKNOWLEDGED, now, actor.user_id
        alert.note = (alert.note + "\n" + note).strip() if note else alert.note
        alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "note", "updated_at"])
        audit_record(actor=actor, action="alert.acknowledge", obj=alert, tenant_id=tenant.pk,
                     before={"status": "open"}, after={"status": alert.status, "note": note, "bulk": True})
    return len(alerts)
