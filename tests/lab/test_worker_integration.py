"""Jobs through a real Celery worker consuming the gpu queue on the real Redis broker."""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django_celery_results.models import TaskResult

from apps.lab import services
from apps.lab.models import LabJob
from apps.lab.storage import lab_storage
from apps.ledger.models import Hold
from apps.ledger.services import ledger_verify, system_account
from apps.ops.models import JobEnergy
from tests.lab.factories import ACTOR
from tests.ledger.factories import funded_account, refreshed

pytestmark = [pytest.mark.integration, pytest.mark.slow,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
# ~1-2 s of explicit stepping on two CPU threads, long enough to watch the progress move
WATCHABLE = {"nx": 128, "ny": 128, "t_end": 3000.0, "method": "explicit", "snapshots": 5}


def purge(queue: str) -> None:
    from thermodynasty.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


@pytest.fixture
def gpu_worker(settings: Any) -> Iterator[Any]:
    from thermodynasty.celery import app

    settings.LAB_PROGRESS_INTERVAL_S = 0.1
    purge("gpu")
    with start_worker(app, pool="solo", perform_ping_check=False, queues=["gpu"], shutdown_timeout=30) as worker:
        yield worker


def follow(job_id: int, timeout: float = 90.0) -> list[tuple[str, float]]:
    """(status, progress) of the row, sampled every 20 ms until the job has finished."""
    seen: list[tuple[str, float]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, progress = LabJob.objects.values_list("status", "progress").get(pk=job_id)
        if not seen or seen[-1] != (status, progress):
            seen.append((status, progress))
        if status not in ("queued", "running"):
            return seen
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} still {seen[-1]} after {timeout} s")


def test_a_job_runs_end_to_end_on_the_gpu_queue_with_progress_artefacts_and_its_charge(tenant, gpu_worker):
    # given
    account = funded_account(tenant, 100_000)
    fees_before = system_account(asset="CEU", code="fees").balance
    # when
    job = services.job_submit(actor=ACTOR, tenant=tenant, kind="diffusion2d", params=WATCHABLE, time_limit_s=120)
    seen = follow(job.pk)
    # The job row says succeeded before Celery's result backend records the task's return, so wait for both.
    deadline = time.monotonic() + 30
    while not TaskResult.objects.filter(task_name="lab.job_run").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    # then
    job.refresh_from_db()
    progress = [p for _, p in seen]
    assert job.status == "succeeded" and job.attempts == 1 and job.device in ("cpu", "cuda")
    assert seen[0] == ("queued", 0.0) and seen[-1] == ("succeeded", 100.0)
    assert progress == sorted(progress) and any(0 < p < 90 for p in progress)
    assert all(lab_storage().exists(a["path"]) for a in job.artefacts) and len(job.artefacts) == 5
    assert 0 < job.charged <= job.cost_estimate and Hold.objects.get(pk=job.hold_id).status == "posted"
    assert refreshed(account).balance == 100_000 - job.charged and refreshed(account).pending_debits == 0
    assert system_account(asset="CEU", code="fees").balance == fees_before + job.charged
    assert TaskResult.objects.get(task_name="lab.job_run").status == "SUCCESS"
    assert ledger_verify().ok
    # the worker measured the job itself (its own thread's CPU time: start_worker runs the solo pool on a thread)
    energy = JobEnergy.objects.get(ref_type="lab.labjob", ref_id=job.pk)
    assert energy.cpu_s > 0 and energy.joules > 0 and energy.wall_s > 0 and energy.ceu_charged == job.charged


def test_a_job_cancelled_while_the_worker_runs_it_stops_and_is_not_charged(tenant, gpu_worker):
    # given
    account = funded_account(tenant, 100_000)
    job = services.job_submit(actor=ACTOR, tenant=tenant, kind="diffusion2d",
                              params={**WATCHABLE, "t_end": 20_000.0}, time_limit_s=120)
    deadline = time.monotonic() + 60
    while LabJob.objects.values_list("progress", flat=True).get(pk=job.pk) <= 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    # when
    services.job_cancel(actor=ACTOR, tenant=tenant, job_id=job.pk)
    # then
    deadline = time.monotonic() + 30
    while not TaskResult.objects.filter(task_name="lab.job_run").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    job.refresh_from_db()
    assert TaskResult.objects.get(task_name="lab.job_run").result == '"cancelled"'
    assert job.status == "cancelled" and 0 < job.progress < 90 and job.charged == 0 and job.artefacts == []
    assert Hold.objects.get(pk=job.hold_id).status == "voided" and refreshed(account).available == 100_000
    assert ledger_verify().ok
