"""Webhook deliveries through a real Celery worker that consumes only the `webhooks` queue, on the real broker."""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker

from apps.signals import services
from apps.signals.models import WebhookDelivery
from apps.signals.webhook_signing import verify
from tests.signals.factories import ACTOR, make_stream, wave

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def purge(*queues: str) -> None:
    from thermodynasty.celery import app

    with app.connection_for_write() as conn:
        for queue in queues:
            conn.default_channel.queue_purge(queue)


@pytest.fixture
def webhooks_worker() -> Iterator[Any]:
    from thermodynasty.celery import app

    purge("webhooks", "default")
    with start_worker(app, pool="solo", perform_ping_check=False, queues=["webhooks"], shutdown_timeout=30) as worker:
        yield worker
    purge("webhooks", "default")


def test_an_alert_reaches_its_receiver_through_a_worker_of_the_webhooks_queue_only(
        tenant, receiver, webhooks_worker):
    # given
    issued = services.webhook_endpoint_create(actor=ACTOR, tenant=tenant, url=receiver.url)
    stream = make_stream(tenant)
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(600))
    # when: the alert's transaction commits and dispatches; only the webhooks worker can send it
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(30, start=600, spike_at=610))
    deadline = time.monotonic() + 60
    while not receiver.received and time.monotonic() < deadline:
        time.sleep(0.05)
    # then
    _, _, headers, body = receiver.received[0]
    verify(issued.secret, headers["Thermo-Signature"], body, event_id=headers["Thermo-Event-Id"],
           seen=lambda _id: False)
    deadline = time.monotonic() + 30
    while WebhookDelivery.objects.filter(status="succeeded").count() < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert WebhookDelivery.objects.get(event_id=headers["Thermo-Event-Id"]).status == "succeeded"
