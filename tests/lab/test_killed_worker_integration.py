"""A worker process killed mid-job, for real: a prefork worker's child is SIGKILLed (as the OOM killer would).
The task is acknowledged late and rejected on worker loss, so the broker hands it to the next child with the
same task id; the job is claimed again (attempts + 1) and re-run, or failed once its attempts are used up."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from apps.lab import services
from apps.lab.models import LabJob
from apps.ledger.models import Hold
from apps.ledger.services import ledger_verify
from tests.lab.factories import ACTOR
from tests.lab.test_worker_integration import purge
from tests.ledger.factories import funded_account, refreshed

pytestmark = [pytest.mark.integration, pytest.mark.slow,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LONG = {"nx": 128, "ny": 128, "t_end": 8_000.0, "method": "explicit", "snapshots": 4}  # ~3 s, killed well before
ROOT = Path(__file__).resolve().parents[2]
WORKER_SETTINGS = """
from thermodynasty.settings.test import *  # noqa
MEDIA_ROOT = {media!r}
LAB_PROGRESS_INTERVAL_S = 0.1
"""


def _database_url() -> str:
    db = connection.settings_dict
    assert db["NAME"].startswith("test_"), "the worker must never touch a non-test database"
    # The suite logs in as the owner; the worker, like production's, logs in as the app role.
    user = getattr(settings, "TEST_APP_ROLE", db["USER"])
    password = getattr(settings, "TEST_APP_PASSWORD", db["PASSWORD"])
    return f"postgres://{user}:{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture(scope="module")
def prefork_worker(tmp_path_factory: pytest.TempPathFactory, django_db_setup: Any,
                   django_db_blocker: Any) -> Iterator[subprocess.Popen]:
    """`celery worker -Q gpu -P prefork -c 1` against the test database (set up first, so the URL names it);
    yields the main process."""
    tmp_path = tmp_path_factory.mktemp("lab-worker")
    with django_db_blocker.unblock():
        database_url = _database_url()
    purge("gpu")
    (tmp_path / "lab_worker_settings.py").write_text(WORKER_SETTINGS.format(media=str(tmp_path / "media")))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lab_worker_settings", "DATABASE_URL": database_url,
           "DATABASE_OWNER_URL": "", "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
           "PYTHONPATH": f"{ROOT}:{tmp_path}"}
    log = open(tmp_path / "worker.log", "w")
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "thermodynasty", "worker", "-Q", "gpu",
                               "-P", "prefork", "-c", "1", "--loglevel=warning", "--without-mingle",
                               "--without-gossip", "-n", f"lab-kill-{os.getpid()}@%h"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield worker
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()


def _child(worker: subprocess.Popen) -> int:
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def _wait(job_id: int, check: Any, timeout: float = 120.0) -> LabJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = LabJob.objects.get(pk=job_id)
        if check(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never got there: {job.status} {job.progress} attempt {job.attempts}")


def _kill_mid_run(worker: subprocess.Popen, job_id: int, attempt: int) -> None:
    _wait(job_id, lambda j: j.status == "running" and j.attempts == attempt and j.progress > 0)
    os.kill(_child(worker), signal.SIGKILL)


def test_a_job_whose_worker_is_killed_is_redelivered_and_run_again(tenant, prefork_worker):
    # given
    account = funded_account(tenant, 100_000)
    job = services.job_submit(actor=ACTOR, tenant=tenant, kind="diffusion2d", params=LONG, time_limit_s=300)
    # when
    _kill_mid_run(prefork_worker, job.pk, attempt=1)
    # then
    job = _wait(job.pk, lambda j: not j.is_active)
    assert job.status == "succeeded" and job.attempts == 2 and job.metrics["attempt"] == 2
    assert len(job.artefacts) == 5 and Hold.objects.get(pk=job.hold_id).status == "posted"
    assert refreshed(account).balance == 100_000 - job.charged and refreshed(account).pending_debits == 0
    assert ledger_verify().ok


def test_a_job_that_kills_every_worker_is_failed_after_its_attempts_and_its_hold_voided(tenant, prefork_worker):
    # given
    account = funded_account(tenant, 100_000)
    job = services.job_submit(actor=ACTOR, tenant=tenant, kind="diffusion2d", params=LONG, time_limit_s=300)
    # when
    for attempt in (1, 2, 3):
        _kill_mid_run(prefork_worker, job.pk, attempt)
    # then
    job = _wait(job.pk, lambda j: not j.is_active)
    assert job.status == "failed" and job.attempts == 3 and "Gave up after 3 attempts" in job.error
    assert Hold.objects.get(pk=job.hold_id).status == "voided" and job.charged == 0
    assert refreshed(account).available == 100_000 == refreshed(account).balance
    assert ledger_verify().ok
