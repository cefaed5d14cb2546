from __future__ import annotations

import json

import pytest

from apps.signals import services
from apps.signals.models import Alert, AlertKind, WebhookDelivery
from apps.signals.webhook_signing import verify
from tests.signals.factories import ACTOR, level_shift, make_stream

pytestmark = pytest.mark.django_db


def test_a_regime_change_goes_out_on_every_active_webhook(tenant, other_tenant, settings):
    # given: receivers on this machine, admitted by the operator's setting (public names do not resolve here)
    settings.WEBHOOK_ALLOW_PRIVATE = True
    hooks = [services.webhook_endpoint_create(actor=ACTOR, tenant=tenant, url=f"http://127.0.0.1:9/h{i}")
             for i in range(2)]
    services.webhook_endpoint_create(actor=ACTOR, tenant=other_tenant, url="http://127.0.0.1:9/theirs")
    stream = make_stream(tenant)
    # when
    for batch in (level_shift(300, 0), level_shift(0, 300, start=300, seed=3)):
        services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=batch)
        services.stream_regimes_track(stream_id=stream.pk)
    # then: one delivery per endpoint of the tenant, carrying the change in words and numbers
    change = Alert.objects.get(stream=stream, kind=AlertKind.REGIME_CHANGE)
    deliveries = [d for d in WebhookDelivery.objects.filter(event_type="alert.opened")
                  if d.payload["alert"]["id"] == change.pk]
    assert sorted(d.endpoint_id for d in deliveries) == sorted(h.endpoint.pk for h in hooks)
    alert = deliveries[0].payload["alert"]
    assert alert["kind"] == alert["evidence"]["alert_kind"] == "regime_change"
    assert alert["evidence"]["summary"].startswith("level +")
    assert alert["evidence"]["delay_points"] == change.delay_points and "Regime change (level)" in alert["explanation"]


@pytest.mark.django_db(transaction=True)  # delivery runs durable transactions of its own, as on a worker
def test_a_regime_change_is_delivered_signed(tenant, receiver):
    # given: the receiver is on this machine, which the fixture's operator setting admits
    from apps.signals.services.webhook_delivery import webhook_deliver, webhooks_dispatch

    issued = services.webhook_endpoint_create(actor=ACTOR, tenant=tenant, url=receiver.url)
    stream = make_stream(tenant)
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=level_shift(300, 0))
    services.stream_regimes_track(stream_id=stream.pk)
    # when: the shift is tracked, its deliveries are queued and a worker would send them (here: the service itself)
    services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk,
                           points=level_shift(0, 300, start=300, seed=3))
    services.stream_regimes_track(stream_id=stream.pk)
    for _ in range(10):  # per-endpoint concurrency queues at most two at a time
        webhooks_dispatch(endpoint_ids=[issued.endpoint.pk])
        queued = list(WebhookDelivery.objects.filter(endpoint_id=issued.endpoint.pk, status="queued")
                      .values_list("pk", flat=True))
        if not queued:
            break
        for delivery_id in queued:
            webhook_deliver(delivery_id=delivery_id)
    # then
    bodies = [(h, json.loads(b), b) for _method, _path, h, b in receiver.received]
    regime = [(h, p, b) for h, p, b in bodies if p["alert"]["evidence"].get("alert_kind") == "regime_change"]
    assert len(regime) == 1
    headers, payload, raw = regime[0]
    verify(issued.secret, headers["Thermo-Signature"], raw, event_id=headers["Thermo-Event-Id"],
           seen=lambda event_id: False)
    assert payload["type"] == "alert.opened" and payload["alert"]["stream"] == stream.pk
