"""Finding 7 of issue 16: dead receivers made thousands of deliveries on the shared queue, re-queued every sweep,
deactivated endpoints included. Deliveries now use their own queue, a bounded number per endpoint, each queued
once, with a per-endpoint backoff, and an endpoint that keeps failing is paused and its tenant told."""
from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from apps.ops.models import AuditLog
from apps.signals import services
from apps.signals.models import WebhookDelivery, WebhookEndpoint
from apps.signals.services.webhook_delivery import backoff_seconds
from tests.ports import free_port
from tests.signals.factories import ACTOR

pytestmark = pytest.mark.django_db
QUEUES = ("default", "webhooks", "gpu")


def broker() -> Any:
    from thermodynasty.celery import app

    return app.connection_for_write()


def purge() -> None:
    with broker() as conn:
        for queue in QUEUES:
            conn.default_channel.queue_purge(queue)


def queued_messages(queue: str) -> list[tuple[str, int]]:
    """(task name, first argument) of every message waiting in `queue` on the real Redis broker."""
    with broker() as conn:
        client = conn.default_channel.client
        raw = [m for key in client.keys(f"{queue}*") if key.decode().split("\x06")[0] == queue
               for m in client.lrange(key, 0, -1)]
    messages = [json.loads(m) for m in raw]
    # Celery's protocol 2: the body is base64 JSON of (args, kwargs, embed)
    return [(m["headers"]["task"], (json.loads(base64.b64decode(m["body"]))[0] or [-1])[0]) for m in messages]


@pytest.fixture
def clean_broker() -> Iterator[None]:
    purge()
    yield
    purge()


def dead_endpoints(tenant: Any, count: int, events: int) -> list[WebhookEndpoint]:
    port = free_port()
    endpoints = [WebhookEndpoint.objects.create(tenant=tenant, url=f"http://127.0.0.1:{port}/hook/{i}",
                                                secret="whsec_test") for i in range(count)]
    now = timezone.now()
    WebhookDelivery.objects.bulk_create([
        WebhookDelivery(tenant=tenant, endpoint=e, event_id=f"evt-{e.pk}-{k}", event_type="t",
                        payload={"type": "t"}, next_attempt_at=now) for e in endpoints for k in range(events)])
    return endpoints


def run_queue() -> list[str]:
    """What a webhooks worker does with every waiting message, in order (the task body, called directly)."""
    outcomes = [services.webhook_deliver(delivery_id=i) for _, i in queued_messages("webhooks")]
    purge()
    return outcomes


def elapse_backoff() -> None:
    WebhookEndpoint.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    WebhookDelivery.objects.filter(status="pending").update(next_attempt_at=timezone.now())


def test_a_flood_of_dead_endpoints_stays_on_the_webhooks_queue_bounded_and_queued_once(
        tenant, settings, clean_broker):
    # given: 22 unreachable endpoints with 30 waiting events each
    settings.WEBHOOK_ALLOW_PRIVATE, settings.WEBHOOK_ENDPOINT_CONCURRENCY = True, 2
    endpoints = dead_endpoints(tenant, 22, 30)
    # when: the sweeper runs twice, as beat would
    first, second = services.webhooks_enqueue_due(), services.webhooks_enqueue_due()
    # then: nothing on the default queue, two per endpoint on the webhooks queue, each delivery once
    webhook_work = queued_messages("webhooks")
    assert queued_messages("default") == []
    assert (first, second, len(webhook_work)) == (44, 0, 44)
    assert {name for name, _ in webhook_work} == {"signals.webhook_deliver"}
    assert len({i for _, i in webhook_work}) == 44
    per_endpoint = WebhookDelivery.objects.filter(status="queued").values_list("endpoint_id", flat=True)
    assert sorted(per_endpoint) == sorted([e.pk for e in endpoints] * 2)


def test_a_failing_endpoint_backs_off_as_a_whole_and_is_paused_and_its_owner_told(
        tenant, settings, clean_broker, make_member, django_capture_on_commit_callbacks):
    # given
    settings.WEBHOOK_ALLOW_PRIVATE, settings.WEBHOOK_PAUSE_AFTER_FAILURES = True, 3
    owner = make_member(tenant, role="owner", email="owner@example.com")
    make_member(tenant, role="viewer", email="viewer@example.com")
    endpoint = dead_endpoints(tenant, 1, 10)[0]
    # when: the first sweep's two deliveries: one fails, the other finds the endpoint backing off
    services.webhooks_enqueue_due()
    outcomes = run_queue()
    in_backoff = services.webhooks_enqueue_due()
    for _ in range(2):
        elapse_backoff()
        services.webhooks_enqueue_due()
        with django_capture_on_commit_callbacks(execute=True):
            run_queue()
    elapse_backoff()
    after_pause = services.webhooks_enqueue_due()
    # then
    endpoint.refresh_from_db()
    assert outcomes == ["pending", "backoff"] and in_backoff == 0
    assert endpoint.state == "paused" and endpoint.consecutive_failures == 3
    assert after_pause == 0 and queued_messages("webhooks") == []
    assert AuditLog.objects.filter(action="webhook.pause", object_id=str(endpoint.pk), tenant_id=tenant.pk).count() == 1
    assert [m.to for m in mail.outbox] == [[owner.email]] and endpoint.url in mail.outbox[0].body
    assert set(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("status", flat=True)) == {"pending"}


def test_a_resumed_endpoint_sends_its_waiting_events(tenant, settings, clean_broker,
                                                     django_capture_on_commit_callbacks):
    # given: a paused endpoint with waiting deliveries
    settings.WEBHOOK_ALLOW_PRIVATE = True
    endpoint = dead_endpoints(tenant, 1, 3)[0]
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(paused_at=timezone.now(), consecutive_failures=20,
                                                          next_attempt_at=timezone.now())
    assert services.webhooks_enqueue_due() == 0
    # when
    with django_capture_on_commit_callbacks(execute=True):
        resumed = services.webhook_endpoint_resume(actor=ACTOR, tenant=tenant, endpoint_id=endpoint.pk)
    swept = len(queued_messages("webhooks"))
    # then
    assert resumed.state == "active" and resumed.consecutive_failures == 0
    assert swept == 2 and AuditLog.objects.filter(action="webhook.resume", object_id=str(endpoint.pk)).exists()


def test_a_deactivated_endpoint_is_never_retried(tenant, settings, clean_broker):
    # given: one of two endpoints has a delivery in the queue and others waiting
    settings.WEBHOOK_ALLOW_PRIVATE = True
    kept, dropped = dead_endpoints(tenant, 2, 5)
    services.webhooks_enqueue_due()
    # when
    services.webhook_endpoint_delete(actor=ACTOR, tenant=tenant, endpoint_id=dropped.pk)
    outcomes = {i: services.webhook_deliver(delivery_id=i) for _, i in queued_messages("webhooks")}
    purge()
    elapse_backoff()
    services.webhooks_enqueue_due()
    # then
    dropped_rows = WebhookDelivery.objects.filter(endpoint=dropped)
    assert set(dropped_rows.values_list("status", "last_error")) == {("failed", "endpoint_deactivated")}
    assert all(outcomes[i] == "not-queued" for i in dropped_rows.values_list("pk", flat=True) if i in outcomes)
    assert {i for _, i in queued_messages("webhooks")} <= set(
        WebhookDelivery.objects.filter(endpoint=kept).values_list("pk", flat=True))
    assert queued_messages("webhooks")


def test_a_lost_message_is_queued_again_only_after_its_lease(tenant, settings, clean_broker):
    # given: a delivery queued, whose message the broker then lost
    settings.WEBHOOK_ALLOW_PRIVATE, settings.WEBHOOK_ENDPOINT_CONCURRENCY = True, 1
    dead_endpoints(tenant, 1, 1)
    services.webhooks_enqueue_due()
    purge()
    # when
    while_leased = services.webhooks_enqueue_due()
    WebhookDelivery.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    after_lease = services.webhooks_enqueue_due()
    # then
    assert (while_leased, after_lease) == (0, 1)


def test_an_endpoint_runs_at_most_its_concurrency_at_once(tenant, settings, clean_broker):
    # given: one delivery of the endpoint is being sent (live lease), another one's message arrives
    settings.WEBHOOK_ALLOW_PRIVATE, settings.WEBHOOK_ENDPOINT_CONCURRENCY = True, 1
    endpoint = dead_endpoints(tenant, 1, 2)[0]
    sending, waiting = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk")
    lease = timezone.now() + timedelta(minutes=1)
    WebhookDelivery.objects.filter(pk=sending.pk).update(status="sending", lease_until=lease)
    WebhookDelivery.objects.filter(pk=waiting.pk).update(status="queued", lease_until=lease)
    # when
    outcome = services.webhook_deliver(delivery_id=waiting.pk)
    # then
    waiting.refresh_from_db()
    assert outcome == "busy" and waiting.status == "pending" and waiting.attempts == 0


@pytest.mark.parametrize("failures", [1, 2, 5, 9, 30])
def test_the_backoff_doubles_per_failure_with_jitter_up_to_its_cap(settings, failures):
    # given
    settings.WEBHOOK_BACKOFF_BASE_SECONDS, settings.WEBHOOK_BACKOFF_MAX_SECONDS = 10, 3600
    step = min(3600, 10 * 2 ** (failures - 1))
    # when
    delays = [backoff_seconds(failures) for _ in range(200)]
    # then
    assert all(step / 2 <= d <= step for d in delays) and len(set(delays)) > 1
