"""Queue depths and live workers, read from the broker (Redis) at scrape time."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from apps.ops.heartbeat import WorkerBeat, broker_client, workers_live

# kombu's Redis transport keeps priority p > 0 of queue q in the list `q\x06\x16p` (its `sep`); p = 0 is `q`.
PRIORITY_SEP = "\x06\x16"
DEFAULT_PRIORITY_STEPS = (0, 3, 6, 9)


def _queue_names(beats: list[WorkerBeat]) -> list[str]:
    names = {settings.CELERY_TASK_DEFAULT_QUEUE, *settings.OPS_METRICS_QUEUES}
    routes = settings.CELERY_TASK_ROUTES if isinstance(settings.CELERY_TASK_ROUTES, dict) else {}
    names |= {str(route["queue"]) for route in routes.values() if isinstance(route, dict) and "queue" in route}
    for beat in beats:
        names |= set(beat.queues)  # a worker started with -Q on a queue the settings never name still counts
    return sorted(names)


def celery_metrics() -> Iterator[Metric]:
    client = broker_client()
    beats = workers_live(client=client)
    options: dict[str, Any] = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    prefix = str(options.get("global_keyprefix", ""))
    steps = tuple(options.get("priority_steps", DEFAULT_PRIORITY_STEPS))
    names = _queue_names(beats)
    keys = [(queue, step, prefix + (f"{queue}{PRIORITY_SEP}{step}" if step else queue))
            for queue in names for step in steps]
    pipe = client.pipeline(transaction=False)
    for _, _, key in keys:
        pipe.llen(key)
    pipe.hlen(prefix + str(options.get("unacked_key", "unacked")))
    *depths, unacked = pipe.execute()
    depth = GaugeMetricFamily("thermodynasty_queue_depth", "Messages waiting in a Celery queue, per priority band.",
                              labels=["queue", "priority"])
    for (queue, step, _), count in zip(keys, depths, strict=True):
        depth.add_metric([queue, str(step)], count)
    yield depth
    yield GaugeMetricFamily("thermodynasty_queue_unacked", "Messages handed to workers and not yet acknowledged "
                            "(running or prefetched; acks are late).", value=unacked)
    yield GaugeMetricFamily("thermodynasty_workers_up", "Celery workers whose heartbeat is alive.", value=len(beats))
    per_queue = GaugeMetricFamily("thermodynasty_queue_workers", "Live workers consuming the queue.",
                                  labels=["queue"])
    for queue in names:
        per_queue.add_metric([queue], sum(queue in beat.queues for beat in beats))
    yield per_queue
