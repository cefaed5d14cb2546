"""Workers announce themselves in Redis: each worker process keeps a key alive (TTL a few beats long) naming the
queues it consumes. `/metrics` counts the live keys, so a worker that dies, or whose host vanishes, drops out
within one TTL without anyone having to notice it going."""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

import redis
from celery import bootsteps
from django.conf import settings

logger = logging.getLogger(__name__)
KEY_PREFIX = "thermodynasty:worker:"


@dataclass(frozen=True)
class WorkerBeat:
    hostname: str
    queues: tuple[str, ...]


def broker_client() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2)


def heartbeat_write(*, client: redis.Redis, hostname: str, queues: list[str]) -> None:
    ttl = settings.OPS_WORKER_HEARTBEAT_SECONDS * 3  # two missed beats are tolerated, a third means gone
    client.set(KEY_PREFIX + hostname, json.dumps({"queues": sorted(queues)}), ex=ttl)


def heartbeat_clear(*, client: redis.Redis, hostname: str) -> None:
    client.delete(KEY_PREFIX + hostname)


def workers_live(*, client: redis.Redis) -> list[WorkerBeat]:
    keys: list[bytes] = sorted(client.scan_iter(match=KEY_PREFIX + "*", count=500))
    values: list[bytes | None] = list(client.mget(keys)) if keys else []  # type: ignore[arg-type]  # sync client
    beats = []
    for key, raw in zip(keys, values, strict=True):
        if raw is None:  # expired between SCAN and MGET
            continue
        queues = json.loads(raw).get("queues", [])
        beats.append(WorkerBeat(hostname=key.decode()[len(KEY_PREFIX):], queues=tuple(str(q) for q in queues)))
    return beats


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A worker bootstep (added in thermodynasty/celery.py). It beats from its own thread rather than the
    worker's event loop, so a solo or threads pool busy with a long job still counts as up."""

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, parent: Any) -> None:
        hostname = str(parent.hostname)
        queues = sorted(parent.app.amqp.queues.consume_from or parent.app.amqp.queues)
        self._thread = threading.Thread(target=self._run, args=(hostname, queues), name="ops-heartbeat",
                                        daemon=True)
        self._thread.start()

    def stop(self, parent: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            heartbeat_clear(client=broker_client(), hostname=str(parent.hostname))
        except redis.RedisError:
            logger.warning("could not clear the heartbeat of %s; it expires by itself", parent.hostname)

    def terminate(self, parent: Any) -> None:  # a warm shutdown stops steps, a cold one terminates them
        self.stop(parent)

    def _run(self, hostname: str, queues: list[str]) -> None:
        client = broker_client()
        while not self._stop.is_set():
            try:
                heartbeat_write(client=client, hostname=hostname, queues=queues)
            except redis.RedisError:
                logger.warning("worker heartbeat failed; retrying next beat", exc_info=True)
            self._stop.wait(settings.OPS_WORKER_HEARTBEAT_SECONDS)
