from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.core.selectors import get_or_not_found
from apps.ops.services import audit_record
from apps.signals.errors import SignalErrorCode
from apps.signals.models import Alert, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from apps.signals.services.webhook_delivery import (
    dispatch_on_commit,
    webhook_deliver,
    webhooks_dispatch,
    webhooks_enqueue_due,
)
from apps.signals.webhook_http import DeliveryError
from apps.signals.webhook_signing import check_url
from apps.tenants.models import Tenant

__all__ = ["IssuedEndpoint", "alert_payload", "deliveries_for_alerts", "deliveries_for_ledger_events",
           "webhook_deliver", "webhook_endpoint_create", "webhook_endpoint_delete", "webhook_endpoint_resume",
           "webhooks_dispatch", "webhooks_enqueue_due"]

_OPEN = (DeliveryStatus.PENDING, DeliveryStatus.QUEUED, DeliveryStatus.SENDING)


@dataclass(frozen=True)
class IssuedEndpoint:
    endpoint: WebhookEndpoint
    secret: str


@transaction.atomic(durable=True)
def webhook_endpoint_create(*, actor: Actor, tenant: Tenant, url: str, description: str = "") -> IssuedEndpoint:
    check_url(url)
    # The tenant row lock serialises concurrent creates, so two of them cannot both pass the cap.
    Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
    limit = settings.WEBHOOK_MAX_ENDPOINTS_PER_TENANT
    if WebhookEndpoint.objects.filter(tenant=tenant, is_active=True).count() >= limit:
        raise ApplicationError(f"A tenant can have at most {limit} active webhook endpoints; deactivate one first.",
                               code=SignalErrorCode.WEBHOOK_LIMIT, extra={"limit": limit})
    secret = "whsec_" + secrets.token_hex(24)
    endpoint = WebhookEndpoint(tenant=tenant, url=url, secret=secret, description=description)
    endpoint.full_clean()
    endpoint.save()
    audit_record(actor=actor, action="webhook.create", obj=endpoint, tenant_id=tenant.pk,
                 after={"url": url, "description": description})
    return IssuedEndpoint(endpoint=endpoint, secret=secret)


@transaction.atomic(durable=True)
def webhook_endpoint_delete(*, actor: Actor, tenant: Tenant, endpoint_id: int) -> None:
    """Deactivates; its unsent deliveries end as failed, so nothing retries them (a queued message that is still
    in the broker finds its row failed and exits)."""
    endpoint = get_or_not_found(WebhookEndpoint.objects.select_for_update().filter(tenant=tenant),
                                "No such webhook endpoint.", pk=endpoint_id)
    endpoint.is_active = False
    endpoint.save(update_fields=["is_active", "updated_at"])
    WebhookDelivery.objects.filter(endpoint=endpoint, status__in=_OPEN).update(
        status=DeliveryStatus.FAILED, last_error=DeliveryError.ENDPOINT_DEACTIVATED.value, next_attempt_at=None,
        lease_until=None, updated_at=timezone.now())
    audit_record(actor=actor, action="webhook.deactivate", obj=endpoint, tenant_id=tenant.pk)


@transaction.atomic(durable=True)
def webhook_endpoint_resume(*, actor: Actor, tenant: Tenant, endpoint_id: int) -> WebhookEndpoint:
    """Un-pauses an endpoint paused for consecutive failures; its waiting deliveries become due at once."""
    endpoint = get_or_not_found(WebhookEndpoint.objects.select_for_update().filter(tenant=tenant),
                                "No such webhook endpoint.", pk=endpoint_id)
    if not endpoint.is_active or endpoint.paused_at is None:
        raise ApplicationError("Only a paused, active webhook endpoint can be resumed.",
                               code=SignalErrorCode.WEBHOOK_STATE, extra={"state": endpoint.state})
    endpoint.paused_at, endpoint.consecutive_failures, endpoint.next_attempt_at = None, 0, None
    endpoint.save(update_fields=["paused_at", "consecutive_failures", "next_attempt_at", "updated_at"])
    WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
        next_attempt_at=timezone.now())
    audit_record(actor=actor, action="webhook.resume", obj=endpoint, tenant_id=tenant.pk)
    dispatch_on_commit([endpoint.pk])
    return endpoint


def alert_payload(alert: Alert) -> dict[str, Any]:
    return {"type": "alert.opened", "alert": {
        "id": alert.pk, "kind": alert.kind, "stream": alert.stream_id, "stream_name": alert.stream.name,
        "ts": alert.ts.isoformat(), "score": alert.score, "severity": alert.severity, "explanation": alert.explanation,
        "evidence": alert.evidence, "window_start": alert.window_start.isoformat(),
        "window_end": alert.window_end.isoformat()}}


def _active_endpoints(tenant_ids: list[int]) -> list[WebhookEndpoint]:
    # A paused endpoint still collects its events (sent after a resume); a deactivated one gets none.
    return list(WebhookEndpoint.objects.filter(tenant_id__in=tenant_ids, is_active=True))


def deliveries_for_alerts(*, tenant_id: int, alerts: list[Alert]) -> list[int]:
    """Inside the transaction that opened the alerts; the sends are dispatched after it commits."""
    endpoints = _active_endpoints([tenant_id])
    rows = [WebhookDelivery(tenant_id=tenant_id, endpoint=e, event_id=uuid.uuid4().hex, event_type="alert.opened",
                            payload=alert_payload(a), next_attempt_at=timezone.now())
            for a in alerts for e in endpoints]
    ids = [d.pk for d in WebhookDelivery.objects.bulk_create(rows)]
    if ids:
        dispatch_on_commit([e.pk for e in endpoints])
    return ids


def deliveries_for_ledger_events(events: list[Any]) -> list[int]:
    """Outbox consumer: each committed ledger entry of a tenant goes to that tenant's webhooks, in commit order."""
    by_tenant: dict[int, list[Any]] = {}
    for event in events:
        if event.tenant_id is not None:
            by_tenant.setdefault(event.tenant_id, []).append(event)
    endpoints = _active_endpoints(list(by_tenant))
    rows = [WebhookDelivery(tenant_id=e.tenant_id, endpoint=e, event_id=f"ledger-{ev.seq}",
                            event_type="ledger.entry_committed", next_attempt_at=timezone.now(),
                            payload={"type": "ledger.entry_committed", "entry": ev.payload})
            for e in endpoints for ev in by_tenant[e.tenant_id]]
    # ignore_conflicts: a re-delivered batch (at least once) must not double-send an event to an endpoint.
    created = WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        # Postgres gives no ids back under ignore_conflicts, so the dispatch goes by endpoint, not by row.
        dispatch_on_commit(sorted({e.pk for e in endpoints}))
    return [d.pk for d in created if d.pk is not None]
