from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.lab import services, tasks
from apps.lab.models import LabJob
from apps.ledger.models import Hold
from apps.ledger.services import ledger_verify
from apps.ops.models import AuditLog, ScheduledJob, ScheduledState
from tests.lab.factories import reloaded, submitted
from tests.ledger.factories import funded_account, refreshed

pytestmark = pytest.mark.django_db


def test_the_task_runs_the_job_once(tenant):
    # given
    job = submitted(tenant)
    # when
    outcomes = [tasks.job_run(job.pk), tasks.job_run(job.pk)]
    # then
    assert outcomes == ["succeeded", "succeeded"] and reloaded(job).attempts == 1


def test_a_task_that_fails_unexpectedly_fails_the_job_and_releases_the_hold(tenant):
    # given
    job = submitted(tenant)
    LabJob.objects.filter(pk=job.pk).update(status="running", delivery="task-9", attempts=1)
    # when
    tasks._job_run_failure(None, RuntimeError("CUDA error: an illegal memory access"), "task-9", (job.pk,), {}, None)
    # then
    job = reloaded(job)
    assert job.status == "failed" and "illegal memory access" in job.error
    assert Hold.objects.get(pk=job.hold_id).status == "voided"
    assert refreshed(funded_account(tenant)).available == 100_000
    assert ledger_verify().ok


def test_the_failure_of_a_lapsed_attempt_does_not_fail_the_job(tenant):
    # given
    job = submitted(tenant)
    LabJob.objects.filter(pk=job.pk).update(status="running", delivery="task-2", attempts=2)
    # when
    tasks._job_run_failure(None, RuntimeError("boom"), "task-1", (job.pk,), {}, None)
    # then
    assert reloaded(job).status == "running"


def test_jobs_whose_task_was_lost_are_sent_again(tenant, sent):
    # given
    now = timezone.now()
    never_sent = submitted(tenant)
    LabJob.objects.filter(pk=never_sent.pk).update(created_at=now - timedelta(minutes=5))
    just_sent = submitted(tenant)
    LabJob.objects.filter(pk=just_sent.pk).update(created_at=now - timedelta(minutes=5), enqueued_at=now)
    silent = submitted(tenant)
    LabJob.objects.filter(pk=silent.pk).update(status="running", attempts=1, heartbeat_at=now - timedelta(minutes=10),
                                               enqueued_at=now - timedelta(minutes=10))
    alive = submitted(tenant)
    LabJob.objects.filter(pk=alive.pk).update(status="running", attempts=1, heartbeat_at=now)
    ScheduledJob.objects.update(state=ScheduledState.RELEASED)  # the scheduler let them all go
    # when
    count = tasks.jobs_requeue_stale()
    # then
    assert count == 2 and sorted(c["args"][0] for c in sent) == sorted([never_sent.pk, silent.pk])
    assert all(c["queue"] == "gpu" for c in sent)
    assert reloaded(silent).enqueued_at > now - timedelta(seconds=5)


def test_an_operator_cancels_active_jobs_from_the_back_office(tenant, admin_client):
    # given
    queued = submitted(tenant)
    done = submitted(tenant, fund=0)
    services.job_run(job_id=done.pk, delivery="task-1")
    # when
    response = admin_client.post("/admin/lab/labjob/", {"action": "cancel_jobs",
                                                        "_selected_action": [queued.pk, done.pk]})
    # then
    assert response.status_code == 302
    assert reloaded(queued).status == "cancelled" and reloaded(done).status == "succeeded"
    assert Hold.objects.get(pk=queued.hold_id).status == "voided"
    assert AuditLog.objects.filter(action="lab.job_cancel", actor_label__startswith="operator:").count() == 1
