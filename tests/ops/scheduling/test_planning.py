from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.ops.models import ScheduleObjective, TenantSchedule
from apps.ops.scheduling import expected_seconds, schedule_plan
from tests.ops.scheduling.factories import forecast_file, measured, use_forecast

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


def _hour() -> timezone.datetime:
    return timezone.now().replace(minute=0, second=0, microsecond=0)


def test_a_flexible_job_starts_in_the_cleanest_window_that_ends_before_its_deadline(tenant, settings, tmp_path):
    # given: dirty now, clean in two hours, dirty again after
    start = _hour()
    use_forecast(settings, forecast_file(tmp_path / "f.json", start, [500, 450, 90, 300, 300, 300, 300, 300]))
    now = start + timedelta(minutes=5)
    # when
    plan = schedule_plan(tenant_id=tenant.pk, kind="lab.diffusion2d", queue="gpu", size=1, flexible=True,
                         deadline=now + 6 * HOUR, now=now)
    # then
    assert plan.not_before == start + 2 * HOUR
    assert plan.intensity_at_submit == 500 and plan.intensity_planned == pytest.approx(90)


def test_a_window_past_the_deadline_is_not_chosen(tenant, settings, tmp_path):
    # given: the clean hour comes too late
    start = _hour()
    use_forecast(settings, forecast_file(tmp_path / "f.json", start, [500, 400, 300, 20, 20]))
    now = start + timedelta(minutes=5)
    # when
    plan = schedule_plan(tenant_id=tenant.pk, kind="lab.diffusion2d", queue="gpu", size=1, flexible=True,
                         deadline=start + 3 * HOUR, now=now)
    # then: the cleanest hour that still leaves the retry slack
    assert plan.not_before == start + 2 * HOUR


def test_a_tenant_set_to_price_gets_the_cheapest_window_not_the_cleanest(tenant, settings, tmp_path):
    # given
    TenantSchedule.objects.create(tenant=tenant, objective=ScheduleObjective.PRICE)
    start = _hour()
    use_forecast(settings, forecast_file(tmp_path / "f.json", start, [500, 100, 400, 400],
                                         prices=[9000, 9000, 2000, 9000]))
    now = start + timedelta(minutes=1)
    # when
    plan = schedule_plan(tenant_id=tenant.pk, kind="lab.diffusion2d", queue="gpu", size=1, flexible=True,
                         deadline=start + 4 * HOUR, now=now)
    # then
    assert plan.objective == "price" and plan.not_before == start + 2 * HOUR


def test_a_job_that_is_not_flexible_is_due_at_once(tenant):
    # given
    now = timezone.now()
    # when
    plan = schedule_plan(tenant_id=tenant.pk, kind="lab.diffusion2d", queue="gpu", size=1, flexible=False,
                         deadline=None, now=now)
    # then
    assert plan.not_before == now and plan.intensity_at_submit is not None


@pytest.mark.parametrize(("flexible", "offset", "words"), [
    (True, None, "Required when flexible"),
    (True, -HOUR, "Must be in the future"),
    (True, timedelta(seconds=5), "At the earliest"),
    (True, timedelta(days=3), "At the latest"),
    (False, HOUR, "Set flexible to true"),
])
def test_a_bad_deadline_answers_400_naming_the_field(tenant, flexible, offset, words):
    # given
    now = timezone.now()
    deadline = None if offset is None else now + offset
    # when
    with pytest.raises(ApplicationError) as refused:
        schedule_plan(tenant_id=tenant.pk, kind="lab.diffusion2d", queue="gpu", size=10**8, flexible=flexible,
                      deadline=deadline, now=now)
    # then
    assert refused.value.status == 400 and refused.value.code == "invalid_schedule"
    assert words in refused.value.extra["fields"]["deadline"][0]


def test_the_expected_duration_comes_from_the_kinds_measured_runs(tenant, other_tenant):
    # given: runs of 2 s + 1 µs per unit, some of them another tenant's
    for i, size in enumerate([10**5, 10**6, 2 * 10**6, 4 * 10**6]):
        measured(tenant if i % 2 else other_tenant, kind="lab.gray_scott", size=size, wall_s=2.0 + size * 1e-6,
                 ref_id=i + 1)
    measured(tenant, kind="lab.diffusion2d", size=10**6, wall_s=500.0, ref_id=99)
    # when
    expected = expected_seconds(kind="lab.gray_scott", size=3 * 10**6)
    prior = expected_seconds(kind="lab.nvp_train", size=10**8)
    # then
    assert expected == pytest.approx(5.0)
    assert prior == pytest.approx(5.0 + 10**8 / 5e7)


def test_failed_runs_of_no_size_take_no_place_in_the_duration_history(tenant, settings):
    # given: three measured runs of 2 s + 1 us per unit, then more failed (size 0) rows than the window holds
    settings.OPS_HISTORY_RUNS = 3
    for i, size in enumerate([10**6, 2 * 10**6, 4 * 10**6]):
        measured(tenant, kind="lab.gray_scott", size=size, wall_s=2.0 + size * 1e-6, ref_id=i + 1)
    for i in range(5):
        measured(tenant, kind="lab.gray_scott", size=0, wall_s=0.3, ref_id=100 + i)
    # when
    expected = expected_seconds(kind="lab.gray_scott", size=3 * 10**6)
    # then: the fit of the real runs, not the prior the failed rows would leave
    assert expected == pytest.approx(5.0)
