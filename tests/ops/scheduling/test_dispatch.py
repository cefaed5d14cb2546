from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from apps.lab import services as lab_services
from apps.lab.models import LabJob
from apps.ledger.models import Hold
from apps.ops.models import ScheduledJob, ScheduledState, TenantSchedule
from apps.ops.scheduling import dispatch_release, scheduled_job_end_in_transaction
from apps.tenants.models import Tenant
from tests.lab.factories import ACTOR, submitted
from tests.ledger.factories import funded_account
from tests.tenants.factories import TenantFactory

pytestmark = pytest.mark.django_db


def _finish(row_ids: list[int]) -> None:
    with transaction.atomic():
        for row in ScheduledJob.objects.filter(pk__in=row_ids):
            scheduled_job_end_in_transaction(ref_type=row.ref_type, ref_id=row.ref_id)


def _drain(rounds: int = 500) -> list[ScheduledJob]:
    """Dispatches, then lets every released job finish, until nothing waits: the release order."""
    order: list[ScheduledJob] = []
    for _ in range(rounds):
        with TestCase.captureOnCommitCallbacks(execute=True):  # the sends happen after the dispatcher's commit
            released = dispatch_release(queue="gpu")
        if not released:
            break
        order.extend(sorted(ScheduledJob.objects.filter(pk__in=released), key=lambda r: released.index(r.pk)))
        _finish(released)
    return order


def _flood(tenant: Tenant, n: int) -> list[LabJob]:
    funded_account(tenant, 10_000_000)
    return [lab_services.job_submit(actor=ACTOR, tenant=tenant, kind="diffusion2d",
                                    params={"nx": 32, "ny": 32, "t_end": 5.0, "method": "explicit"})
            for _ in range(n)]


def test_a_small_tenant_is_not_starved_by_another_tenants_burst(tenant, other_tenant, sent):
    # given: the big tenant floods 30 jobs first, then the small one sends 3
    big, small = _flood(tenant, 30), _flood(other_tenant, 3)
    # when
    order = _drain()
    # then: each small job goes out within a bounded number of releases, not behind the whole burst
    small_positions = [i for i, row in enumerate(order) if row.tenant_id == other_tenant.pk]
    assert len(order) == 33 and len({r.ref_id for r in order}) == 33
    assert small_positions and max(small_positions) <= 2 + 2 * 3, small_positions
    assert len(sent) == 33 and {c["args"][0] for c in sent} == {j.pk for j in big + small}


def test_weights_give_a_tenant_a_larger_share(tenant, other_tenant, sent):
    # given
    TenantSchedule.objects.create(tenant=tenant, weight=3.0)
    _flood(tenant, 20)
    _flood(other_tenant, 20)
    # when
    first = _drain()[:16]
    # then
    assert sum(1 for r in first if r.tenant_id == tenant.pk) == 12


def test_no_more_jobs_run_than_slots_nor_past_a_tenants_quota(tenant, other_tenant, settings, sent):
    # given: 4 slots, the tenant's quota 2 (and one tenant limited to 1 by its schedule)
    settings.OPS_QUEUE_SLOTS = {"gpu": 4}
    third = TenantFactory()
    TenantSchedule.objects.create(tenant=third, gpu_quota=1)
    for t in (tenant, other_tenant, third):
        _flood(t, 3)
    # when
    ScheduledJob.objects.filter(state=ScheduledState.RELEASED).update(state=ScheduledState.WAITING)
    released = dispatch_release(queue="gpu")
    # then
    running = ScheduledJob.objects.filter(state=ScheduledState.RELEASED)
    assert len(released) == 4 and running.count() == 4
    assert running.filter(tenant=tenant).count() <= 2 and running.filter(tenant=third).count() <= 1


def test_a_deferred_job_stays_in_postgres_until_its_window_and_goes_out_once(tenant, sent):
    # given: a job deferred by an hour
    job = submitted(tenant)
    row = ScheduledJob.objects.get(ref_id=job.pk)
    ScheduledJob.objects.filter(pk=row.pk).update(state=ScheduledState.WAITING, releases=0,
                                                  not_before=timezone.now() + timedelta(hours=1))
    sent.clear()
    # when
    with TestCase.captureOnCommitCallbacks(execute=True):
        early = dispatch_release(queue="gpu")
        ScheduledJob.objects.filter(pk=row.pk).update(not_before=timezone.now() - timedelta(seconds=1))
        due = dispatch_release(queue="gpu")
        again = dispatch_release(queue="gpu")
    # then
    row.refresh_from_db()
    assert early == [] and due == [row.pk] and again == []
    assert row.state == ScheduledState.RELEASED and row.releases == 1 and row.intensity_at_run is not None
    assert [c["args"] for c in sent] == [(job.pk,)]


def test_the_stale_job_sweep_does_not_send_a_job_the_scheduler_holds(tenant, sent):
    # given: a job deferred an hour, submitted long ago (the sweep resends queued jobs older than a minute)
    job = submitted(tenant, flexible=False)
    ScheduledJob.objects.filter(ref_id=job.pk).update(state=ScheduledState.WAITING,
                                                      not_before=timezone.now() + timedelta(hours=1))
    LabJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=2), enqueued_at=None)
    sent.clear()
    # when
    resent = lab_services.jobs_requeue_stale()
    # then
    assert resent == 0 and sent == []


def test_finishing_or_cancelling_a_job_frees_its_slot_for_the_next(tenant, sent, django_capture_on_commit_callbacks):
    # given: two slots taken, a third job waiting
    jobs = _flood(tenant, 3)
    dispatch_release(queue="gpu")
    waiting = ScheduledJob.objects.get(state=ScheduledState.WAITING)
    running = ScheduledJob.objects.filter(state=ScheduledState.RELEASED).order_by("pk").first()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        lab_services.job_cancel(actor=ACTOR, tenant=tenant, job_id=running.ref_id)
    # then
    running.refresh_from_db()
    waiting.refresh_from_db()
    assert running.state == ScheduledState.CANCELLED and waiting.state == ScheduledState.RELEASED
    assert {j.pk for j in jobs} >= {waiting.ref_id}


def test_a_flexible_jobs_reservation_lasts_until_past_its_deadline(tenant, sent):
    # given
    deadline = timezone.now() + timedelta(hours=30)
    # when
    job = submitted(tenant, flexible=True, deadline=deadline)
    # then: a plain job's hold lapses after 6 h in the queue; this one must outlive its deadline
    assert Hold.objects.get(pk=job.hold_id).expires_at > deadline
