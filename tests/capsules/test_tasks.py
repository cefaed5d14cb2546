from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.capsules import tasks
from apps.capsules.models import CapsuleRun
from apps.ledger.models import Hold
from apps.ledger.services import holds_expire, ledger_verify
from tests.capsules.factories import ACTOR, make_capsule, platform, stream_with_points
from tests.ledger.factories import funded_account, refreshed

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending_run(tenant):
    from apps.capsules import services

    capsule = make_capsule(platform())
    stream = stream_with_points(tenant, n=100)
    funded_account(tenant, 100_000)
    return services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk,
                                      inputs={"streams": [stream.pk]})


def test_the_execute_task_runs_the_service_once(pending_run):
    # when
    outcomes = [tasks.capsule_run_execute(pending_run.pk), tasks.capsule_run_execute(pending_run.pk)]
    # then
    assert outcomes == ["succeeded", "not-claimed"]


def test_a_task_that_runs_out_of_retries_fails_the_run_and_releases_the_hold(pending_run, tenant):
    # when
    tasks._capsule_run_execute_failure(None, RuntimeError("worker killed (OOM)"), "task-id", (pending_run.pk,), {},
                                       None)
    # then
    pending_run.refresh_from_db()
    assert pending_run.status == "failed" and "OOM" in pending_run.error
    assert Hold.objects.get(pk=pending_run.hold_id).status == "voided"
    assert refreshed(funded_account(tenant)).pending_debits == 0
    assert ledger_verify().ok


def test_a_run_whose_reservation_expired_fails_without_running(pending_run):
    # given
    Hold.objects.filter(pk=pending_run.hold_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    holds_expire()
    # when
    outcome = tasks.capsule_run_execute(pending_run.pk)
    # then
    pending_run.refresh_from_db()
    assert outcome == "failed" and "expired" in pending_run.error and pending_run.result_text == ""


def test_stale_runs_are_enqueued_again(pending_run, monkeypatch):
    # given
    sent: list[int] = []
    monkeypatch.setattr("apps.capsules.services.runs._enqueue", sent.append)
    CapsuleRun.objects.filter(pk=pending_run.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    # when
    count = tasks.runs_requeue_stale()
    # then
    assert count == 1 and sent == [pending_run.pk]
