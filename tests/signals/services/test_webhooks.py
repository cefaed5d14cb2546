from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Iterator

import pytest

from apps.signals import services
from apps.signals.models import WebhookDelivery
from apps.signals.webhooks import SignatureError, sign, verify
from tests.signals.factories import ACTOR, make_stream, wave

pytestmark = pytest.mark.django_db


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.received.append((dict(self.headers), body))
        self.send_response(_Receiver.status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    _Receiver.received, _Receiver.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def _seen_store() -> Any:
    seen: set[str] = set()

    def check(event_id: str) -> bool:
        was = event_id in seen
        seen.add(event_id)
        return was
    return check


def test_a_signature_verifies_and_a_replay_is_refused():
    # given
    body, seen = b'{"id": "evt_1"}', _seen_store()
    header = sign("whsec_x", body)
    # when
    verify("whsec_x", header, body, event_id="evt_1", seen=seen)
    # then
    with pytest.raises(SignatureError, match="replayed"):
        verify("whsec_x", header, body, event_id="evt_1", seen=seen)


@pytest.mark.parametrize(("secret", "body", "age", "reason"), [
    ("whsec_other", b"{}", 0, "mismatch"), ("whsec_x", b'{"tampered": 1}', 0, "mismatch"),
    ("whsec_x", b"{}", 301, "tolerance")])
def test_bad_signatures_are_refused(secret, body, age, reason):
    # given
    import time

    header = sign("whsec_x", b"{}", int(time.time()) - age)
    # when / then
    with pytest.raises(SignatureError, match=reason):
        verify(secret, header, body, event_id="evt", seen=_seen_store())


def test_an_alert_is_delivered_signed(tenant, receiver, django_capture_on_commit_callbacks, settings):
    # given
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from thermodynasty.celery import app

    app.conf.task_always_eager = True
    issued = services.webhook_endpoint_create(actor=ACTOR, tenant=tenant, url=receiver)
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
    headers, body = _Receiver.received[0]
    payload = json.loads(body)
    verify(issued.secret, headers["Thermo-Signature"], body, event_id=headers["Thermo-Event-Id"],
           seen=_seen_store())
    assert payload["type"] == "alert.opened" and payload["alert"]["stream"] == stream.pk
    assert WebhookDelivery.objects.get(event_id=payload["id"]).status == "succeeded"


def test_a_failed_delivery_is_retried_with_backoff_then_given_up(tenant, receiver, settings):
    # given
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    _Receiver.status = 500
    endpoint = services.webhook_endpoint_create(actor=ACTOR, tenant=tenant, url=receiver).endpoint
    from django.utils import timezone

    delivery = WebhookDelivery.objects.create(tenant=tenant, endpoint=endpoint, event_id="evt_r", event_type="t",
                                              payload={"type": "t"}, next_attempt_at=timezone.now())
    # when
    first = services.webhook_deliver(delivery_id=delivery.pk)
    not_due = services.webhook_deliver(delivery_id=delivery.pk)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    last = services.webhook_deliver(delivery_id=delivery.pk)
    # then
    assert (first, not_due, last) == ("pending", "not-due", "failed")
    assert len(_Receiver.received) == 2
    assert WebhookDelivery.objects.get(pk=delivery.pk).last_status_code == 500


def test_ledger_entries_reach_the_tenants_webhooks_once_in_commit_order(tenant, other_tenant, receiver):
    # given
    from apps.ledger import services as ledger
    from apps.ledger.services.outbox import outbox_consume
    from apps.signals.services.webhooks import deliveries_for_ledger_events
    from tests.ledger.factories import funded_account

    services.webhook_endpoint_create(actor=ACTOR, tenant=tenant, url=receiver)
    src, dst = funded_account(tenant, 100), funded_account(other_tenant)
    for i in range(3):
        ledger.transfer_create(actor=ACTOR, tenant=tenant, client_id=f"w-{i}", debit_account_id=src.pk,
                               credit_account_id=dst.pk, amount=1)
    # when: consumed, then the same events handed over again (at-least-once delivery)
    first = outbox_consume(consumer="test-webhooks", handler=deliveries_for_ledger_events)
    from apps.ledger.models import OutboxEvent

    deliveries_for_ledger_events(list(OutboxEvent.objects.order_by("seq")))
    # then
    rows = list(WebhookDelivery.objects.filter(tenant=tenant, event_type="ledger.entry_committed")
                .order_by("event_id").values_list("event_id", flat=True))
    assert first >= 3 and len(rows) == 3
    assert outbox_consume(consumer="test-webhooks", handler=deliveries_for_ledger_events) == 0
