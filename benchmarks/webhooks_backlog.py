"""Webhooks: what a backlog of dead receivers puts on the broker, and what one sweep costs.

    python benchmarks/webhooks_backlog.py [--endpoints 22] [--events 300] [--sweeps 10]

Issue 16's scenario: `endpoints` unreachable endpoints with `events` waiting deliveries each. The sweeper
(`webhooks_enqueue_due`) runs `sweeps` times, as beat would every 15 s with nothing consumed; we count the messages
on the `default` and `webhooks` queues of the real Redis broker and time each sweep. The peer is the old sweeper
(every due row, up to 500, straight onto the queue with no claim), run the same way onto a scratch queue. Runs in
its own `<db>_bench` database. Last line: one JSON object.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import _django  # noqa: E402

PEER_QUEUE = "bench-webhooks-naive"


def _queue_lengths(*queues: str) -> dict[str, int]:
    from thermodynasty.celery import app

    with app.connection_for_write() as conn:
        return {q: int(conn.default_channel.client.llen(q)) for q in queues}


def _purge(*queues: str) -> None:
    from thermodynasty.celery import app

    with app.connection_for_write() as conn:
        for queue in queues:
            conn.default_channel.client.delete(queue)


def _backlog(endpoints: int, events: int) -> Any:
    from django.utils import timezone

    from apps.signals.models import WebhookDelivery, WebhookEndpoint
    from apps.tenants import rls
    from apps.tenants.models import Tenant

    tenant = Tenant.objects.create(name=f"bench-webhooks-{time.time_ns()}", slug=f"bw-{time.time_ns()}")
    with rls.tenant_scope(tenant.pk):
        rows = [WebhookEndpoint.objects.create(tenant=tenant, url=f"http://127.0.0.1:9/dead/{i}", secret="whsec_b")
                for i in range(endpoints)]
        now = timezone.now()
        WebhookDelivery.objects.bulk_create([
            WebhookDelivery(tenant=tenant, endpoint=e, event_id=f"b-{e.pk}-{k}", event_type="t", payload={},
                            next_attempt_at=now) for e in rows for k in range(events)], batch_size=2000)
    return tenant


def _naive_sweep(limit: int = 500) -> int:
    """The sweeper before issue 16: every due pending row, no claim, so the same rows go out again next time."""
    from django.utils import timezone

    from apps.signals.models import WebhookDelivery
    from apps.signals.tasks import webhook_deliver
    from apps.tenants import rls

    with rls.system_context(reason="the old sweeper read every tenant's deliveries"):
        due = list(WebhookDelivery.objects.filter(status="pending", next_attempt_at__lte=timezone.now())
                   .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    for pk in due:
        webhook_deliver.apply_async((pk,), queue=PEER_QUEUE)
    return len(due)


def _cleanup(tenant: Any) -> None:
    from apps.signals.models import WebhookDelivery, WebhookEndpoint
    from apps.tenants import rls

    with rls.tenant_scope(tenant.pk):
        WebhookDelivery.objects.filter(tenant=tenant).delete()
        WebhookEndpoint.objects.filter(tenant=tenant).delete()


def run(endpoints: int, events: int, sweeps: int) -> dict[str, Any]:
    from apps.signals import services

    _purge("default", "webhooks", PEER_QUEUE)
    tenant = _backlog(endpoints, events)
    timings = []
    for _ in range(sweeps):
        started = time.perf_counter()
        services.webhooks_enqueue_due()
        timings.append(1000 * (time.perf_counter() - started))
    ours = _queue_lengths("default", "webhooks")
    _purge("webhooks")
    _cleanup(tenant)
    tenant = _backlog(endpoints, events)
    peer_timings = []
    for _ in range(sweeps):
        started = time.perf_counter()
        _naive_sweep()
        peer_timings.append(1000 * (time.perf_counter() - started))
    peer = _queue_lengths(PEER_QUEUE)[PEER_QUEUE]
    _purge(PEER_QUEUE)
    _cleanup(tenant)
    return {"endpoints": endpoints, "pending": endpoints * events, "sweeps": sweeps,
            "default_queue": ours["default"], "webhooks_queue": ours["webhooks"], "peer_queue": peer,
            "sweep_ms_median": round(statistics.median(timings), 1),
            "first_sweep_ms": round(timings[0], 1), "peer_sweep_ms_median": round(statistics.median(peer_timings), 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoints", type=int, default=22)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--sweeps", type=int, default=10)
    args = parser.parse_args()
    _django.setup()
    result = run(args.endpoints, args.events, args.sweeps)
    print(f"{'':<34}{'ours':>10}{'old sweeper':>14}")
    print(f"{'messages queued after sweeps':<34}{result['webhooks_queue']:>10}{result['peer_queue']:>14}")
    print(f"{'  of which on default':<34}{result['default_queue']:>10}{'(all)':>14}")
    print(f"{'sweep ms (median)':<34}{result['sweep_ms_median']:>10}{result['peer_sweep_ms_median']:>14}")
    print(json.dumps({"benchmark": "webhooks_backlog", **result}))


if __name__ == "__main__":
    main()
