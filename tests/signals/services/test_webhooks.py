from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.signals import services
from apps.signals.models import WebhookDelivery
from apps.signals.webhook_signing import SignatureError, sign, verify
from tests.signals.factories import ACTOR, make_stream, wave

pytestmark = pytest.mark.django_db


def _seen_store() -> Any:
    seen: set[str] = set()

    def check(event_id: str) -> bool:
        was = event_id in seen
        seen.add(event_id)
        return was
    return check


def queued(delivery: WebhookDelivery) -> int:
    """Puts a delivery in the state the dispatcher leaves it in (claimed for the queue)."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="queued",
                                                          lease_until=timezone.now() + timedelta(hours=1))
    return delivery.pk


def test_a_signature_verifies_and_a_replay_is_refused():
    # given
    body, seen = b'{"id": "evt_1"}', _seen_store()
    header = sign("whsec_x", body, event_id="evt_1")
    # when
    verify("whsec_x", header, body, event_id="evt_1", seen=seen)
    # then
    with pytest.raises(SignatureError, match="replayed"):
        verify("whsec_x", header, body, event_id="evt_1", seen=seen)


def test_a_replay_under_a_new_event_id_is_refused():
    # given: a captured delivery, re-sent with a fresh Thermo-Event-Id to dodge the seen-id check
    body, seen = b'{"id": "evt_1"}', _seen_store()
    header = sign("whsec_x", body, event_id="evt_1")
    verify("whsec_x", header, body, event_id="evt_1", seen=seen)
    # when / then
    with pytest.raises(SignatureError, match="mismatch"):
        verify("whsec_x", header, body, event_id="evt_2", seen=seen)


@pytest.mark.parametrize(("secret", "body", "event_id", "age", "reason"), [
    ("whsec_other", b"{}", "evt", 0, "mismatch"), ("whsec_x", b'{"tampered": 1}', "evt", 0, "mismatch"),
    ("whsec_x", b"{}", "evt-other", 0, "mismatch"), ("whsec_x", b"{}", "evt", 301, "tolerance")])
def test_bad_signatures_are_refused(secret, body, event_id, age, reason):
    # given
    header = sign("whsec_x", b"{}", event_id="evt", timestamp=int(time.time()) - age)
    # when / then
    with pytest.raises(SignatureError, match=reason):
        verify(secret, header, body, event_id=event_id, seen=_seen_store())


def test_an_alert_is_delivered_signed_over_its_event_id(tenant, receiver, django_capture_on_commit_callbacks,
                                                        settings):
    # given
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from thermodynasty.celery import app

    app.conf.task_always_eager = True
    issued = services.webhook_endpoint_create(actor=ACTOR, tenant=tenant, url=receiver.url)
    stream = make_stream(tenant)
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(600))
    try:
        # when
        with django_capture_on_commit_callbacks(execute=True):
            services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk,
                                   points=wave(30, start=600, spike_at=610))
    finally:
        app.conf.task_always_eager = False
    # then
    method, _, headers, body = receiver.received[0]
    payload = json.loads(body)
    assert method == "POST" and headers["Thermo-Event-Id"] == payload["id"]
    verify(issued.secret, headers["Thermo-Signature"], body, event_id=headers["Thermo-Event-Id"],
           seen=_seen_store())
    assert payload["type"] == "alert.opened" and payload["alert"]["stream"] == stream.pk
    assert WebhookDelivery.objects.get(event_id=payload["id"]).status == "succeeded"


def test_a_failed_delivery_backs_off_then_is_given_up(tenant, receiver, settings):
    # given
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.status = 500
    endpoint = services.webhook_endpoint_create(actor=ACTOR, tenant=tenant, url=receiver.url).endpoint
    delivery = WebhookDelivery.objects.create(tenant=tenant, endpoint=endpoint, event_id="evt_r", event_type="t",
                                              payload={"type": "t"}, next_attempt_at=timezone.now())
    # when
    first = services.webhook_deliver(delivery_id=queued(delivery))
    again = services.webhook_deliver(delivery_id=delivery.pk)  # a duplicate message: the row is no longer queued
    after_first = WebhookDelivery.objects.get(pk=delivery.pk)
    endpoint.refresh_from_db()
    type(endpoint).objects.filter(pk=endpoint.pk).update(next_attempt_at=None)
    last = services.webhook_deliver(delivery_id=queued(delivery))
    # then
    assert (first, again, last) == ("pending", "not-queued", "failed")
    assert after_first.next_attempt_at == endpoint.next_attempt_at > timezone.now()
    assert len(receiver.received) == 2
    assert WebhookDelivery.objects.values_list("last_status_code", "last_error").get(pk=delivery.pk) == (
        500, "http_5xx")


def test_ledger_entries_reach_the_tenants_webhooks_once_in_commit_order(tenant, other_tenant, receiver):
    # given
    from apps.ledger import services as ledger
    from apps.ledger.models import OutboxEvent
    from apps.ledger.services.outbox import outbox_consume
    from apps.signals.services.webhooks import deliveries_for_ledger_events
    from tests.ledger.factories import funded_account

    services.webhook_endpoint_create(actor=ACTOR, tenant=tenant, url=receiver.url)
    src, dst = funded_account(tenant, 100), funded_account(other_tenant)
    for i in range(3):
        ledger.transfer_create(actor=ACTOR, tenant=tenant, client_id=f"w-{i}", debit_account_id=src.pk,
                               credit_account_id=dst.pk, amount=1)
    # when: consumed, then the same events handed over again (at-least-once delivery)
    first = outbox_consume(consumer="test-webhooks", handler=deliveries_for_ledger_events)
    deliveries_for_ledger_events(list(OutboxEvent.objects.order_by("seq")))
    # then
    rows = list(WebhookDelivery.objects.filter(tenant=tenant, event_type="ledger.entry_committed")
                .order_by("event_id").values_list("event_id", flat=True))
    assert first >= 3 and len(rows) == 3
    assert outbox_consume(consumer="test-webhooks", handler=deliveries_for_ledger_events) == 0
