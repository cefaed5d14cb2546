from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import TestCase
from django.utils import timezone

from apps.capsules import services
from apps.capsules.models import CapsuleRun
from apps.core.errors import ApplicationError
from apps.ledger.models import Hold
from apps.ops.models import ScheduledJob, ScheduledState
from apps.ops.scheduling import dispatch_release
from tests.capsules.factories import ACTOR, make_capsule, platform, stream_with_points
from tests.ledger.factories import funded_account
from tests.ops.scheduling.factories import forecast_file, use_forecast

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Captures the capsule runs sent to the broker instead of sending them."""
    calls: list[int] = []
    monkeypatch.setattr("apps.capsules.tasks.capsule_run_execute.delay", lambda run_id: calls.append(run_id))
    return calls


def _start(tenant: Any, **kwargs: Any) -> CapsuleRun:
    capsule = make_capsule(platform())
    stream = stream_with_points(tenant, n=400)
    funded_account(tenant, 100_000)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk,
                                          inputs={"streams": [stream.pk]}, **kwargs)


def test_a_flexible_run_waits_for_its_clean_window_then_runs_and_leaves_the_schedule(tenant, settings, tmp_path,
                                                                                      sent_runs):
    # given: dirty for two hours, clean in the third
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    use_forecast(settings, forecast_file(tmp_path / "f.json", start, [520, 500, 70, 400, 400, 400]))
    deadline = start + timedelta(hours=5)
    # when
    run = _start(tenant, flexible=True, deadline=deadline)
    row = ScheduledJob.objects.get(ref_type="capsules.capsulerun", ref_id=run.pk)
    held_back = list(sent_runs)
    ScheduledJob.objects.filter(pk=row.pk).update(not_before=timezone.now() - timedelta(seconds=1))
    with TestCase.captureOnCommitCallbacks(execute=True):
        released = dispatch_release(queue="default")
    services.capsule_run_execute(run_id=run.pk)
    # then
    row.refresh_from_db()
    run.refresh_from_db()
    assert held_back == [] and row.not_before.replace(second=0) != start  # deferred, not sent at once
    assert row.intensity_at_submit == 520 and row.intensity_planned == pytest.approx(70)
    assert released == [row.pk] and sent_runs == [run.pk]
    assert run.status == "succeeded" and row.state == ScheduledState.FINISHED
    assert Hold.objects.get(pk=run.hold_id).expires_at > deadline


def test_a_run_that_is_not_flexible_is_sent_at_once_without_the_scheduler(tenant, sent_runs):
    # when
    run = _start(tenant)
    # then
    assert sent_runs == [run.pk] and not ScheduledJob.objects.exists()


@pytest.mark.parametrize(("flexible", "offset", "words"), [
    (True, None, "Required when flexible"),
    (True, -timedelta(hours=1), "Must be in the future"),
    (True, timedelta(days=5), "At the latest"),
])
def test_a_bad_deadline_is_refused_before_anything_is_written(tenant, sent_runs, flexible, offset, words):
    # when
    with pytest.raises(ApplicationError) as refused:
        _start(tenant, flexible=flexible, deadline=None if offset is None else timezone.now() + offset)
    # then
    assert refused.value.status == 400 and words in refused.value.extra["fields"]["deadline"][0]
    assert not CapsuleRun.objects.exists() and sent_runs == []


def test_the_stale_run_sweep_leaves_a_deferred_run_alone(tenant, settings, tmp_path, sent_runs):
    # given: a flexible run deferred to a clean hour, created long ago
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    use_forecast(settings, forecast_file(tmp_path / "f.json", start, [520, 500, 500, 60, 400, 400]))
    run = _start(tenant, flexible=True, deadline=start + timedelta(hours=6))
    CapsuleRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=1))
    sent_runs.clear()
    # when
    resent = services.runs_requeue_stale()
    # then
    assert ScheduledJob.objects.get().state == ScheduledState.WAITING
    assert resent == 0 and sent_runs == []
