from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.ops.models import ScheduledJob, ScheduledState
from tests.ops.scheduling.factories import measured

pytestmark = pytest.mark.django_db
OPS = "/admin/ops/scheduledjob/ops/"


@pytest.fixture
def operator(django_user_model) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("op", "op@example.com", "long-enough-pw"))
    return client


def scheduled(tenant, ref_id: int, **fields) -> ScheduledJob:  # type: ignore[no-untyped-def]
    now = timezone.now()
    values = {"kind": "lab.diffusion2d", "queue": "gpu", "ref_type": "lab.labjob", "size": 1000, "expected_s": 30.0,
              "not_before": now, **fields}
    return ScheduledJob.objects.create(tenant=tenant, ref_id=ref_id, **values)


def test_the_ops_view_shows_queues_jobs_energy_and_carbon_saved_by_deferral(operator, tenant):
    # given: one job deferred, one running, and a flexible one that ran in a cleaner hour (3.6 MJ = 1 kWh)
    now = timezone.now()
    scheduled(tenant, 1, flexible=True, deadline=now + timedelta(hours=5), not_before=now + timedelta(hours=2),
              intensity_at_submit=500.0, intensity_planned=120.0)
    scheduled(tenant, 2, state=ScheduledState.RELEASED, released_at=now, intensity_at_run=300.0)
    scheduled(tenant, 3, flexible=True, deadline=now, state=ScheduledState.FINISHED, finished_at=now,
              intensity_at_submit=500.0, intensity_at_run=150.0)
    measured(tenant, kind="lab.diffusion2d", size=1000, wall_s=60.0, ref_id=3, joules=3.6e6)
    # when
    page = operator.get(OPS)
    body = page.content.decode()
    # then: (500 - 150) g/kWh x 1 kWh saved
    assert page.status_code == 200
    assert 'data-queue="gpu"' in body and "lab.diffusion2d #1" in body and "lab.diffusion2d #2" in body
    assert f'data-testid="saved-{now:%Y-%m-%d}">350.0<' in body
    assert "500 → 120" in body


def test_the_ops_view_is_for_operators_only(client_for, make_member, tenant):
    # given: a tenant's owner, not staff
    owner = client_for(make_member(tenant, "owner"))
    # when
    response = owner.get(OPS)
    # then
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
