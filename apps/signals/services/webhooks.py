from __future__ import annotations

import json
import random
import secrets
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.selectors import get_or_not_found
from apps.ops.services import audit_record
from apps.signals.models import Alert, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from apps.signals.webhooks import EVENT_ID_HEADER, SIGNATURE_HEADER, check_url, sign
from apps.tenants import rls
from apps.tenants.models import Tenant

LEASE = timedelta(seconds=60)  # a claimed delivery is retried by someone else only after this


@dataclass(frozen=True)
class IssuedEndpoint:
    endpoint: WebhookEndpoint
    secret: str


@transaction.atomic(durable=True)
def webhook_endpoint_create(*, actor: Actor, tenant: Tenant, url: str, description: str = "") -> IssuedEndpoint:
    check_url(url)
    secret = "whsec_" + secrets.token_hex(24)
    endpoint = WebhookEndpoint(tenant=tenant, url=url, secret=secret, description=description)
    endpoint.full_clean()
    endpoint.save()
    audit_record(actor=actor, action="webhook.create", obj=endpoint, tenant_id=tenant.pk,
                 after={"url": url, "description": description})
    return IssuedEndpoint(endpoint=endpoint, secret=secret)


@transaction.atomic(durable=True)
def webhook_endpoint_delete(*, actor: Actor, tenant: Tenant, endpoint_id: int) -> None:
    endpoint = get_or_not_found(WebhookEndpoint.objects.select_for_update().filter(tenant=tenant),
                                "No such webhook endpoint.", pk=endpoint_id)
    endpoint.is_active = False
    endpoint.save(update_fields=["is_active", "updated_at"])
    audit_record(actor=actor, action="webhook.deactivate", obj=endpoint, tenant_id=tenant.pk)


def alert_payload(alert: Alert) -> dict[str, Any]:
    return {"type": "alert.opened", "alert": {
        "id": alert.pk, "stream": alert.stream_id, "stream_name": alert.stream.name, "ts": alert.ts.isoformat(),
        "score": alert.score, "severity": alert.severity, "explanation": alert.explanation,
        "evidence": alert.evidence, "window_start": alert.window_start.isoformat(),
        "window_end": alert.window_end.isoformat()}}


def deliveries_for_alerts(*, tenant_id: int, alerts: list[Alert]) -> list[int]:
    """Inside the transaction that opened the alerts; the sends are enqueued after it commits."""
    endpoints = list(WebhookEndpoint.objects.filter(tenant_id=tenant_id, is_active=True))
    rows = [WebhookDelivery(tenant_id=tenant_id, endpoint=e, event_id=uuid.uuid4().hex, event_type="alert.opened",
                            payload=alert_payload(a), next_attempt_at=timezone.now())
            for a in alerts for e in endpoints]
    created = WebhookDelivery.objects.bulk_create(rows)
    ids = [d.pk for d in created]
    if ids:
        from apps.signals.tasks import webhook_deliver as task

        transaction.on_commit(lambda: [task.delay(i) for i in ids])
    return ids


def deliveries_for_ledger_events(events: list[Any]) -> list[int]:
    """Outbox consumer: each committed ledger entry of a tenant goes to that tenant's webhooks, in commit order."""
    by_tenant: dict[int, list[Any]] = {}
    for event in events:
        if event.tenant_id is not None:
            by_tenant.setdefault(event.tenant_id, []).append(event)
    endpoints = WebhookEndpoint.objects.filter(tenant_id__in=list(by_tenant), is_active=True)
    rows = [WebhookDelivery(tenant_id=e.tenant_id, endpoint=e, event_id=f"ledger-{ev.seq}",
                            event_type="ledger.entry_committed", next_attempt_at=timezone.now(),
                            payload={"type": "ledger.entry_committed", "entry": ev.payload})
            for e in endpoints for ev in by_tenant[e.tenant_id]]
    # ignore_conflicts: a re-delivered batch (at least once) must not double-send an event to an endpoint.
    created = WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    ids = [d.pk for d in created if d.pk is not None]
    if ids:
        from apps.signals.tasks import webhook_deliver as task

        transaction.on_commit(lambda: [task.delay(i) for i in ids])
    return ids


def _claim(delivery_id: int) -> WebhookDelivery | None:
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING,
                                             next_attempt_at__lte=now).update(next_attempt_at=now + LEASE)
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id) if claimed else None


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    body = json.dumps({"id": delivery.event_id, **delivery.payload}, sort_keys=True).encode()
    request = urllib.request.Request(delivery.endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json", SIGNATURE_HEADER: sign(delivery.endpoint.secret, body),
        EVENT_ID_HEADER: delivery.event_id, "User-Agent": "Thermodynasty-Webhooks/1"})
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return None, str(exc)[:500]


def webhook_deliver(*, delivery_id: int) -> str:
    """Sends one delivery if it is due; on failure schedules the next attempt with exponential backoff and
    jitter, and gives up after WEBHOOK_MAX_ATTEMPTS. Safe to run twice: the claim is a conditional update."""
    with rls.dangerously_bypass():
        delivery = _claim(delivery_id)
        if delivery is None:
            return "not-due"
        status_code, error = _post(delivery)
        delivery.attempts += 1
        delivery.last_status_code, delivery.last_error = status_code, error
        if status_code is not None and 200 <= status_code < 300:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, timezone.now(), None
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            backoff = min(3600, 10 * 2 ** (delivery.attempts - 1)) * random.uniform(0.8, 1.2)
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=backoff)
        delivery.save(update_fields=["attempts", "last_status_code", "last_error", "status", "delivered_at",
                                     "next_attempt_at", "updated_at"])
        return delivery.status


def webhooks_enqueue_due(*, limit: int = 500) -> int:
    from apps.signals.tasks import webhook_deliver as task

    with rls.dangerously_bypass():
        due = list(WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
                   .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    for delivery_id in due:
        task.delay(delivery_id)
    return len(due)
