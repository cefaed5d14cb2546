"""A real Celery worker announces itself in Redis while it runs and withdraws when it stops."""
from __future__ import annotations

import time
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker

from apps.ops.heartbeat import WorkerBeat, broker_client, workers_live

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def wait_for(predicate: Any, timeout: float = 20.0) -> list[WorkerBeat]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        beats = workers_live(client=broker_client())
        if predicate(beats):
            return beats
        time.sleep(0.05)
    raise AssertionError(f"heartbeats never matched: {workers_live(client=broker_client())}")


def test_a_running_worker_is_up_with_its_queues_and_gone_after_shutdown(settings):
    # given
    from thermodynasty.celery import app

    settings.OPS_WORKER_HEARTBEAT_SECONDS = 1
    # when
    with start_worker(app, pool="solo", perform_ping_check=False, queues=["gpu"], shutdown_timeout=30) as worker:
        hostname = worker.hostname
        beats = wait_for(lambda found: any(b.hostname == hostname for b in found))
        # then
        assert next(b for b in beats if b.hostname == hostname).queues == ("gpu",)
    assert not [b for b in workers_live(client=broker_client()) if b.hostname == hostname]
