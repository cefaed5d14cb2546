"""A worker killed mid-job (OOM killer, node lost): the task is acked late, so the broker redelivers it with the
same task id; the job is claimed again and re-run from scratch until its attempts are used up."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.lab import services
from apps.lab.models import LabJob
from apps.lab.services.execution import Watch
from apps.ledger.models import Hold
from apps.ledger.services import ledger_verify
from tests.lab.factories import reloaded, submitted
from tests.ledger.factories import funded_account, refreshed

pytestmark = pytest.mark.django_db


@pytest.fixture
def killed_mid_run(monkeypatch, settings):
    """The next run dies (SystemExit, as from a signal) at its second progress write."""
    settings.LAB_PROGRESS_INTERVAL_S = 0.0
    original = Watch._write

    def arm() -> None:
        writes: list[int] = []

        def dying(self, **fields):
            writes.append(1)
            if len(writes) == 3:
                monkeypatch.setattr(Watch, "_write", original)
                raise SystemExit("worker killed")
            return original(self, **fields)

        monkeypatch.setattr(Watch, "_write", dying)

    return arm


def _die(job: LabJob, delivery: str, killed_mid_run) -> None:
    killed_mid_run()
    with pytest.raises(SystemExit):
        services.job_run(job_id=job.pk, delivery=delivery)


def test_a_killed_worker_leaves_the_job_running_and_the_redelivered_task_reruns_it(tenant, killed_mid_run):
    # given
    job = submitted(tenant)
    _die(job, "task-1", killed_mid_run)
    assert reloaded(job).status == "running" and reloaded(job).attempts == 1
    # when
    outcome = services.job_run(job_id=job.pk, delivery="task-1")
    # then
    job = reloaded(job)
    assert outcome == job.status == "succeeded" and job.attempts == 2 and job.metrics["attempt"] == 2
    assert Hold.objects.get(pk=job.hold_id).status == "posted"
    assert ledger_verify().ok


def test_a_job_that_keeps_killing_its_worker_is_failed_and_its_hold_voided(tenant, killed_mid_run):
    # given
    job = submitted(tenant)
    for _ in range(job.max_attempts):
        _die(job, "task-1", killed_mid_run)
    assert reloaded(job).attempts == 3
    # when
    outcome = services.job_run(job_id=job.pk, delivery="task-1")
    # then
    job = reloaded(job)
    assert outcome == job.status == "failed" and job.attempts == 3 and "Gave up after 3 attempts" in job.error
    assert Hold.objects.get(pk=job.hold_id).status == "voided" and job.charged == 0
    account = refreshed(funded_account(tenant))
    assert account.balance == account.available == 100_000
    assert ledger_verify().ok


def test_a_duplicate_task_leaves_a_live_attempt_alone(tenant, killed_mid_run):
    # given
    job = submitted(tenant)
    _die(job, "task-1", killed_mid_run)  # a running attempt with a fresh heartbeat, as if still alive
    # when
    outcome = services.job_run(job_id=job.pk, delivery="task-2")
    # then
    assert outcome == "busy" and reloaded(job).attempts == 1 and reloaded(job).delivery == "task-1"


def test_an_attempt_silent_past_the_lease_is_taken_over_by_another_task(tenant, killed_mid_run):
    # given
    job = submitted(tenant)
    _die(job, "task-1", killed_mid_run)
    LabJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    # when
    outcome = services.job_run(job_id=job.pk, delivery="task-2")
    # then
    job = reloaded(job)
    assert outcome == "succeeded" and job.attempts == 2 and job.delivery == "task-2"


def test_a_lapsed_attempt_that_wakes_up_stops_without_touching_the_new_one(tenant, monkeypatch, settings):
    # given
    settings.LAB_PROGRESS_INTERVAL_S = 0.0
    job = submitted(tenant)
    original = Watch._write

    def taken_over(self, **fields):
        # another task claims the job while this attempt is still computing
        LabJob.objects.filter(pk=job.pk).update(delivery="task-2", attempts=2)
        return original(self, **fields)

    monkeypatch.setattr(Watch, "_write", taken_over)
    # when
    outcome = services.job_run(job_id=job.pk, delivery="task-1")
    # then
    job = reloaded(job)
    assert outcome == "superseded" and job.status == "running" and job.delivery == "task-2"
    assert Hold.objects.get(pk=job.hold_id).status == "pending"
