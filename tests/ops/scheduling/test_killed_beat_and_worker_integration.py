"""Deferred jobs survive their beat and worker being killed, for real: both processes are SIGKILLed (their
whole process groups, prefork children included) while the jobs wait in PostgreSQL for their window; after a
restart each job is released once and runs once. Beat is then killed again right after a release, and
restarted, without any job going out twice."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from apps.lab import services
from apps.lab.models import LabJob
from apps.ledger.models import Hold
from apps.ops.models import AuditLog, ScheduledJob, ScheduledState
from tests.lab.factories import ACTOR, SMALL_DIFFUSION
from tests.lab.test_killed_worker_integration import _database_url
from tests.lab.test_worker_integration import purge
from tests.ledger.factories import funded_account

pytestmark = [pytest.mark.integration, pytest.mark.slow,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ROOT = Path(__file__).resolve().parents[3]
JOBS = 6
SETTINGS = """
from thermodynasty.settings.test import *  # noqa
MEDIA_ROOT = {media!r}
OPS_QUEUE_SLOTS = {{"gpu": 2}}
CELERY_BEAT_SCHEDULE = {{"ops-dispatch-queues": {{"task": "ops.dispatch_queues", "schedule": 0.5}}}}
"""


@pytest.fixture
def processes(tmp_path: Path, settings: Any) -> Iterator[Callable[[str], subprocess.Popen]]:
    """Starts `celery worker` (gpu and default queues) or `celery beat` against the test database, each in its
    own session so a SIGKILL of its group takes its children too; stops whatever is left at the end."""
    (tmp_path / "ops_process_settings.py").write_text(SETTINGS.format(media=str(tmp_path / "media")))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ops_process_settings", "DATABASE_URL": _database_url(),
           "DATABASE_OWNER_URL": "", "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
           "PYTHONPATH": f"{ROOT}:{tmp_path}"}
    started: list[subprocess.Popen] = []
    commands = {
        "worker": ["worker", "-Q", "gpu,default", "-P", "prefork", "-c", "2", "--without-mingle", "--without-gossip",
                   "-n", f"ops-kill-{os.getpid()}-{{n}}@%h"],
        "beat": ["beat", "-s", str(tmp_path / "beat-schedule-{n}")],
    }

    def start(name: str) -> subprocess.Popen:
        args = [a.replace("{n}", str(len(started))) for a in commands[name]]
        log = open(tmp_path / f"{name}-{len(started)}.log", "w")
        process = subprocess.Popen([sys.executable, "-m", "celery", "-A", "thermodynasty", *args,
                                    "--loglevel=warning"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        started.append(process)
        return process

    for queue in ("gpu", "default"):
        purge(queue)
    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _kill(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def _wait(check: Callable[[], bool], timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out: " + ", ".join(f"{j.pk}:{j.status}" for j in LabJob.objects.order_by("pk")))


def test_deferred_jobs_run_exactly_once_across_killed_beat_and_worker(tenant, processes, settings):
    # given: six jobs deferred a few seconds, and no slot for this process's own dispatch after each submit
    settings.OPS_QUEUE_SLOTS = {"gpu": 0}
    funded_account(tenant, 10_000_000)
    jobs = [services.job_submit(actor=ACTOR, tenant=tenant, kind="diffusion2d", params=SMALL_DIFFUSION)
            for _ in range(JOBS)]
    window = timezone.now() + timedelta(seconds=6)
    ScheduledJob.objects.update(not_before=window, flexible=True, deadline=window + timedelta(hours=1))
    worker, beat = processes("worker"), processes("beat")
    # when: both die while the jobs are deferred
    time.sleep(2.0)
    _kill(worker)
    _kill(beat)
    held_while_down = ScheduledJob.objects.filter(state=ScheduledState.WAITING).count()
    time.sleep(max(0.0, (window - timezone.now()).total_seconds()) + 0.5)
    processes("worker")
    beat = processes("beat")
    # and beat dies again right after its first release
    _wait(lambda: ScheduledJob.objects.filter(state=ScheduledState.RELEASED).exists())
    _kill(beat)
    processes("beat")
    _wait(lambda: not LabJob.objects.filter(status__in=["queued", "running"]).exists())
    # then
    rows = list(ScheduledJob.objects.order_by("ref_id"))
    assert held_while_down == JOBS
    assert [j.status for j in LabJob.objects.order_by("pk")] == ["succeeded"] * JOBS
    assert all(j.attempts == 1 for j in LabJob.objects.all())
    assert [(r.state, r.releases) for r in rows] == [(ScheduledState.FINISHED, 1)] * JOBS
    assert all(r.released_at >= window for r in rows)
    for job in jobs:
        assert AuditLog.objects.filter(action="lab.job_succeeded", object_id=str(job.pk)).count() == 1
        assert Hold.objects.get(pk=job.hold_id).status == "posted"
