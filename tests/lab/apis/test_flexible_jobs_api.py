from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.lab.models import LabJob
from apps.ledger.models import Hold
from apps.ops.models import ScheduledJob
from tests.ledger.factories import funded_account
from tests.ops.scheduling.factories import forecast_file, use_forecast

pytestmark = pytest.mark.django_db
BODY = {"kind": "diffusion2d", "params": {"nx": 32, "ny": 32, "t_end": 5.0, "method": "explicit"}}


def _post(api, body, key):  # type: ignore[no-untyped-def]
    return api.post("/api/v1/lab/jobs/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_flexible_job_is_deferred_to_its_clean_window_and_says_so(api, tenant, settings, tmp_path, sent):
    # given: dirty for the next hour, clean the hour after
    funded_account(tenant, 100_000)
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    use_forecast(settings, forecast_file(tmp_path / "f.json", start, [600, 600, 80, 500, 500]))
    deadline = start + timedelta(hours=4)
    # when
    response = _post(api, {**BODY, "flexible": True, "deadline": deadline.isoformat()}, "flex-1")
    # then
    schedule = response.json()["schedule"]
    assert response.status_code == 202 and schedule["state"] == "deferred" and schedule["flexible"]
    assert schedule["not_before"].startswith((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:00"))
    assert schedule["estimated_start"] == schedule["not_before"] and sent == []
    assert ScheduledJob.objects.get(ref_id=response.json()["id"]).intensity_at_submit == 600


@pytest.mark.parametrize(("extra", "words"), [
    ({"flexible": True}, "Required when flexible"),
    ({"flexible": True, "deadline": "2020-01-01T00:00:00Z"}, "Must be in the future"),
    ({"deadline": "2099-01-01T00:00:00Z"}, "Set flexible to true"),
    ({"flexible": True, "deadline": "not a time"}, "Datetime has wrong format"),
])
def test_a_bad_deadline_answers_400_naming_the_field_and_writes_nothing(api, tenant, extra, words):
    # given
    funded_account(tenant, 100_000)
    # when
    response = _post(api, {**BODY, **extra}, "bad-1")
    # then
    assert response.status_code == 400 and words in response.json()["extra"]["fields"]["deadline"][0]
    assert not LabJob.objects.exists() and not Hold.objects.filter(tenant=tenant).exists()
    assert not ScheduledJob.objects.exists()


def test_past_the_queue_depth_limit_a_submission_is_queued_with_its_position_and_start(api, tenant, other_tenant,
                                                                                        settings, sent):
    # given: a depth limit of 2, and three jobs of another tenant already waiting
    settings.OPS_QUEUE_DEPTH_LIMIT = 2
    settings.OPS_QUEUE_SLOTS = {"gpu": 1}
    funded_account(tenant, 100_000)
    from tests.lab.factories import submitted

    for _ in range(3):
        submitted(other_tenant)
    # when
    response = _post(api, BODY, "deep-1")
    # then: it goes second (fair share), starts after one job ahead, and the answer says the queue is long
    schedule = response.json()["schedule"]
    assert response.status_code == 202 and schedule["state"] == "queued" and schedule["over_limit"]
    assert schedule["position"] == 2 and schedule["queue_depth"] == 4
    assert schedule["estimated_start"] > response.json()["created_at"]


def test_a_tenant_past_its_waiting_cap_is_refused_with_429_and_nothing_written(api, tenant, settings, sent):
    # given
    settings.OPS_TENANT_WAITING_CAP = 2
    funded_account(tenant, 100_000)
    first, second = _post(api, BODY, "cap-1"), _post(api, BODY, "cap-2")
    # when
    third = _post(api, BODY, "cap-3")
    # then
    assert first.status_code == second.status_code == 202
    assert third.status_code == 429 and third.json()["code"] == "queue_full"
    assert third.json()["extra"] == {"waiting": 2, "limit": 2}
    assert LabJob.objects.count() == 2 and Hold.objects.filter(tenant=tenant).count() == 2


def test_another_tenants_job_schedule_is_not_shown(api, other_api, tenant, sent):
    # given
    funded_account(tenant, 100_000)
    job_id = _post(api, BODY, "mine-1").json()["id"]
    # when
    response = other_api.get(f"/api/v1/lab/jobs/{job_id}/")
    # then
    assert response.status_code == 404
