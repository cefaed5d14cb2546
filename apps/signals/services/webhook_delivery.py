"""Sending webhook deliveries without letting them crowd out anything else.

Why it is shaped like this: 22 unreachable endpoints once made 6,564 pending deliveries, the retry sweeper put the
same ones on the shared queue every 15 s, and the platform's own tasks ran late. Now
- deliveries run on their own `webhooks` queue (CELERY_TASK_ROUTES);
- a delivery is queued only by a conditional claim (pending -> queued), so the sweeper never queues one twice;
- at most WEBHOOK_ENDPOINT_CONCURRENCY deliveries per endpoint are queued or in flight, so the queue holds at most
  that many per endpoint however large the backlog;
- the backoff belongs to the endpoint (stored in `next_attempt_at`, exponential with jitter): a dead receiver gets
  one probe per backoff step, not one per waiting event;
- after WEBHOOK_PAUSE_AFTER_FAILURES consecutive failures the endpoint is paused, audited, and its owners are mailed;
  paused and deactivated endpoints are never picked again.
"""
from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from apps.core.actors import Actor
from apps.ops.services import audit_record
from apps.signals.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from apps.signals.webhook_http import DeliveryError, Outcome, post
from apps.signals.webhook_signing import EVENT_ID_HEADER, SIGNATURE_HEADER, sign
from apps.tenants import rls
from apps.tenants.models import Membership, Role

logger = logging.getLogger(__name__)

QUEUED_LEASE = timedelta(hours=1)  # = the broker's visibility timeout: a queued row older than this lost its message
SEND_LEASE = timedelta(seconds=60)  # beyond the task's hard time limit (45 s), so a live send is never taken over
BUSY_DELAY = timedelta(seconds=5)  # a delivery that found its endpoint's slots taken waits this long
DISPATCH_BATCH = 500  # rows claimed per sweep; bounds one sweep's transaction
SYSTEM = Actor.system("webhooks")


@dataclass(frozen=True)
class _Job:
    delivery_id: int
    endpoint_id: int
    url: str
    secret: str
    event_id: str
    payload: dict[str, Any]
    attempts: int


def backoff_seconds(failures: int) -> float:
    """Exponential in the endpoint's consecutive failures, capped, with "equal jitter" (half fixed, half random)
    so endpoints that failed together do not retry together."""
    step = min(settings.WEBHOOK_BACKOFF_MAX_SECONDS, settings.WEBHOOK_BACKOFF_BASE_SECONDS * 2 ** max(0, failures - 1))
    return step / 2 + random.uniform(0, step / 2)


def _claimable(now: datetime) -> Q:
    due = Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    lost = Q(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING], lease_until__lt=now)
    endpoint_open = Q(endpoint__is_active=True, endpoint__paused_at__isnull=True) & (
        Q(endpoint__next_attempt_at__isnull=True) | Q(endpoint__next_attempt_at__lte=now))
    return (due | lost) & endpoint_open


def _due_by_endpoint(now: datetime, endpoint_ids: list[int] | None) -> list[tuple[int, int]]:
    """(delivery, endpoint) of due rows, at most WEBHOOK_ENDPOINT_CONCURRENCY per endpoint, oldest first."""
    due = WebhookDelivery.objects.filter(_claimable(now))
    if endpoint_ids is not None:
        due = due.filter(endpoint_id__in=endpoint_ids)
    ranked = due.annotate(rank=Window(RowNumber(), partition_by=[F("endpoint_id")],
                                      order_by=[F("next_attempt_at").asc(nulls_first=True), F("pk").asc()]))
    return list(ranked.filter(rank__lte=settings.WEBHOOK_ENDPOINT_CONCURRENCY).order_by("next_attempt_at", "pk")
                .values_list("pk", "endpoint_id"))


def _within_slots(rows: list[tuple[int, int]], now: datetime, limit: int) -> list[int]:
    """Keeps the rows that fit their endpoint's free slots. The caller holds the endpoints' locks: every move into
    or out of queued/sending happens under that lock, so the count cannot change underneath."""
    slots = settings.WEBHOOK_ENDPOINT_CONCURRENCY
    busy = dict(WebhookDelivery.objects.filter(
        endpoint_id__in={e for _, e in rows}, status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING],
        lease_until__gte=now).values("endpoint_id").annotate(n=Count("pk")).values_list("endpoint_id", "n"))
    chosen: list[int] = []
    for pk, endpoint_id in rows:
        if busy.get(endpoint_id, 0) < slots and len(chosen) < limit:
            busy[endpoint_id] = busy.get(endpoint_id, 0) + 1
            chosen.append(pk)
    return chosen


def _claim_for_queue(endpoint_ids: list[int] | None, limit: int) -> list[int]:
    now = timezone.now()
    with transaction.atomic(durable=True):
        rows = _due_by_endpoint(now, endpoint_ids)
        # Endpoints first, in pk order (as the workers and services lock them), then their deliveries.
        list(WebhookEndpoint.objects.select_for_update().filter(pk__in={e for _, e in rows}).order_by("pk")
             .values_list("pk", flat=True))
        chosen = _within_slots(rows, now, limit)
        # skip_locked + re-checking the condition under the lock: two sweepers never claim the same row.
        locked = list(WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                      .filter(pk__in=chosen).filter(_claimable(now)).values_list("pk", flat=True))
        WebhookDelivery.objects.filter(pk__in=locked).update(status=DeliveryStatus.QUEUED,
                                                             lease_until=now + QUEUED_LEASE, updated_at=now)
    return locked


def webhooks_dispatch(*, endpoint_ids: list[int] | None = None, limit: int = DISPATCH_BATCH) -> int:
    """Claims due deliveries (all endpoints, or the given ones) and puts one message each on the webhooks queue."""
    from apps.signals.tasks import webhook_deliver as task

    with rls.system_context(reason="dispatch claims due deliveries of every tenant"):
        claimed = _claim_for_queue(endpoint_ids, limit)
        for index, delivery_id in enumerate(claimed):
            try:
                task.delay(delivery_id)
            except Exception:  # the broker is down: hand the rest back rather than strand them for a lease
                logger.exception("webhook dispatch: broker refused; %d deliveries stay pending", len(claimed) - index)
                WebhookDelivery.objects.filter(pk__in=claimed[index:], status=DeliveryStatus.QUEUED).update(
                    status=DeliveryStatus.PENDING, lease_until=None)
                return index
    return len(claimed)


def webhooks_enqueue_due(*, limit: int = DISPATCH_BATCH) -> int:
    """The periodic sweeper: the same claim as a dispatch, over every endpoint."""
    return webhooks_dispatch(limit=limit)


def dispatch_on_commit(endpoint_ids: list[int]) -> None:
    transaction.on_commit(lambda: webhooks_dispatch(endpoint_ids=endpoint_ids))


def _requeue(delivery_id: int, **changes: Any) -> None:
    WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.PENDING, lease_until=None, **changes)


@transaction.atomic(durable=True)
def _claim_for_send(delivery_id: int) -> _Job | str:
    now = timezone.now()
    delivery = WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.QUEUED).first()
    if delivery is None:
        return "not-queued"
    # The endpoint row lock serialises this endpoint's claims, so the in-flight count below cannot race.
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    if not endpoint.is_active or endpoint.paused_at is not None:
        _requeue(delivery_id)
        return "endpoint-closed"
    if endpoint.next_attempt_at is not None and endpoint.next_attempt_at > now:
        _requeue(delivery_id, next_attempt_at=endpoint.next_attempt_at)
        return "backoff"
    sending = WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.SENDING,
                                             lease_until__gte=now).count()
    if sending >= settings.WEBHOOK_ENDPOINT_CONCURRENCY:
        _requeue(delivery_id, next_attempt_at=now + BUSY_DELAY)
        return "busy"
    lease = SEND_LEASE
    if not WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SENDING, lease_until=now + lease, updated_at=now):
        return "not-queued"
    return _Job(delivery.pk, endpoint.pk, endpoint.url, endpoint.secret, delivery.event_id, delivery.payload,
                delivery.attempts)


def _send(job: _Job) -> Outcome:
    body = json.dumps({"id": job.event_id, **job.payload}, sort_keys=True).encode()
    return post(job.url, body, {
        "Content-Type": "application/json", SIGNATURE_HEADER: sign(job.secret, body, event_id=job.event_id),
        EVENT_ID_HEADER: job.event_id, "User-Agent": "Thermodynasty-Webhooks/2"},
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS)


def _pause(endpoint: WebhookEndpoint, error: DeliveryError | None) -> None:
    """Audited and mailed to the tenant's owners; the endpoint's state shows `paused` in the API and portal."""
    endpoint.paused_at = timezone.now()
    audit_record(actor=SYSTEM, action="webhook.pause", obj=endpoint, tenant_id=endpoint.tenant_id,
                 after={"consecutive_failures": endpoint.consecutive_failures,
                        "last_error": error.value if error else ""})
    owners = sorted(set(Membership.objects.filter(tenant_id=endpoint.tenant_id, role=Role.OWNER)
                        .exclude(user__email="").values_list("user__email", flat=True)))
    if owners:
        text = (f"Your webhook endpoint {endpoint.url} failed {endpoint.consecutive_failures} times in a row "
                f"(last: {error.value if error else 'unknown'}) and is paused. Its events are kept; resume it "
                f"in the portal (Webhooks) or with POST /api/v1/webhooks/{endpoint.pk}/resume/ once it answers 2xx.")
        transaction.on_commit(lambda: send_mail(subject="Webhook endpoint paused", message=text, from_email=None,
                                                recipient_list=owners, fail_silently=True))


@transaction.atomic(durable=True)
def _record(job: _Job, outcome: Outcome) -> str:
    now = timezone.now()
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=job.endpoint_id)
    row = WebhookDelivery.objects.filter(pk=job.delivery_id, status=DeliveryStatus.SENDING)
    common = {"attempts": job.attempts + 1, "last_status_code": outcome.status_code, "lease_until": None,
              "last_error": outcome.error.value if outcome.error else "", "updated_at": now}
    if outcome.ok:
        endpoint.consecutive_failures, endpoint.next_attempt_at = 0, None
        endpoint.save(update_fields=["consecutive_failures", "next_attempt_at", "updated_at"])
        row.update(status=DeliveryStatus.SUCCEEDED, delivered_at=now, next_attempt_at=None, **common)
        return DeliveryStatus.SUCCEEDED.value
    endpoint.consecutive_failures += 1
    endpoint.next_attempt_at = now + timedelta(seconds=backoff_seconds(endpoint.consecutive_failures))
    if endpoint.paused_at is None and endpoint.consecutive_failures >= settings.WEBHOOK_PAUSE_AFTER_FAILURES:
        _pause(endpoint, outcome.error)
    endpoint.save(update_fields=["consecutive_failures", "next_attempt_at", "paused_at", "updated_at"])
    status = DeliveryStatus.FAILED if job.attempts + 1 >= settings.WEBHOOK_MAX_ATTEMPTS else DeliveryStatus.PENDING
    row.update(status=status, next_attempt_at=endpoint.next_attempt_at if status == DeliveryStatus.PENDING else None,
               **common)
    return status.value


def webhook_deliver(*, delivery_id: int) -> str:
    """Sends one queued delivery: claims it (queued -> sending, a conditional update, so a duplicate message is a
    no-op), POSTs it outside any transaction, then records the outcome on the delivery and its endpoint. Returns
    the delivery's new status, or why nothing was sent."""
    # The message carries only the delivery id: its tenant is read first, and the delivery runs in that scope.
    with rls.pre_tenant_read():
        tenant_id = WebhookDelivery.objects.filter(pk=delivery_id).values_list("tenant_id", flat=True).first()
    if tenant_id is None:
        return "not-queued"
    with rls.tenant_scope(tenant_id):
        job = _claim_for_send(delivery_id)
        if isinstance(job, str):
            return job
        return _record(job, _send(job))
