from __future__ import annotations

import pytest

from apps.core.errors import ApplicationError
from apps.lab import services
from apps.lab.models import LabJob
from apps.ledger.models import Hold
from apps.ledger.services import ledger_verify, system_account
from apps.ops.models import AuditLog
from tests.lab.factories import ACTOR, SMALL_DIFFUSION, submitted
from tests.ledger.factories import funded_account, refreshed

pytestmark = pytest.mark.django_db


def test_submitting_holds_the_estimate_and_enqueues_on_the_gpu_queue_after_commit(tenant, sent,
                                                                                   django_capture_on_commit_callbacks):
    # given
    account = funded_account(tenant, 100_000)
    quote = services.job_quote(kind="diffusion2d", params=SMALL_DIFFUSION)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_submit(actor=ACTOR, tenant=tenant, kind="diffusion2d", params=SMALL_DIFFUSION,
                                  time_limit_s=120)
    # then
    hold = Hold.objects.get(pk=job.hold_id)
    assert job.status == "queued" and job.cost_estimate == quote.cost > 0
    assert (hold.amount, hold.status, hold.debit_account_id) == (quote.cost, "pending", account.pk)
    assert hold.credit_account_id == system_account(asset="CEU", code="fees").pk
    assert refreshed(account).available == 100_000 - quote.cost
    assert sent == [{"args": (job.pk,), "queue": "gpu", "soft_time_limit": 120, "time_limit": 150}]
    assert LabJob.objects.get(pk=job.pk).enqueued_at is not None
    assert AuditLog.objects.filter(action="lab.job_submit", object_id=str(job.pk)).exists()
    assert ledger_verify().ok


def test_the_stored_parameters_have_their_defaults_filled_in(tenant):
    # when
    job = submitted(tenant, params={"nx": 16, "ny": 16, "t_end": 1.0})
    # then
    assert job.params["boundary"] == "periodic" and job.params["diffusivity"] == 1.0
    assert job.params["sources"] == [{"x": 8.0, "y": 8.0, "sigma": 0.5, "amount": 1.0}]
    assert job.time_limit_s == 600 and job.max_attempts == 3


def test_too_little_ceu_is_refused_before_anything_is_written(tenant):
    # given
    funded_account(tenant, 5)
    # when
    with pytest.raises(ApplicationError) as refused:
        services.job_submit(actor=ACTOR, tenant=tenant, kind="diffusion2d", params=SMALL_DIFFUSION)
    # then
    assert refused.value.code == "insufficient_ceu" and refused.value.status == 402
    assert refused.value.extra["available"] == 5 and refused.value.extra["required"] > 5
    assert "CEU" in refused.value.message
    assert not LabJob.objects.exists() and not Hold.objects.filter(tenant=tenant).exists()


def test_invalid_parameters_are_refused_before_anything_is_written(tenant):
    # given
    funded_account(tenant, 100_000)
    # when
    with pytest.raises(ApplicationError) as refused:
        services.job_submit(actor=ACTOR, tenant=tenant, kind="diffusion2d", params={"nx": 4096})
    # then
    assert refused.value.code == "invalid_params" and "params.nx" in refused.value.extra["fields"]
    assert not LabJob.objects.exists() and not Hold.objects.filter(tenant=tenant).exists()


@pytest.mark.parametrize("limit", [0, 5, 10_000])
def test_a_time_limit_out_of_range_is_refused(tenant, limit):
    # when
    with pytest.raises(ApplicationError) as refused:
        submitted(tenant, time_limit_s=limit)
    # then
    assert refused.value.extra["fields"]["time_limit_s"] == ["Between 10 and 3000 seconds."]


def test_cancelling_a_queued_job_voids_its_hold_and_charges_nothing(tenant):
    # given
    job = submitted(tenant)
    # when
    cancelled = services.job_cancel(actor=ACTOR, tenant=tenant, job_id=job.pk)
    # then
    assert cancelled.status == "cancelled" and cancelled.finished_at is not None
    assert Hold.objects.get(pk=job.hold_id).status == "voided"
    assert refreshed(funded_account(tenant)).available == 100_000
    assert ledger_verify().ok


def test_a_finished_job_cannot_be_cancelled(tenant):
    # given
    job = submitted(tenant)
    services.job_cancel(actor=ACTOR, tenant=tenant, job_id=job.pk)
    # when
    with pytest.raises(ApplicationError) as refused:
        services.job_cancel(actor=ACTOR, tenant=tenant, job_id=job.pk)
    # then
    assert refused.value.status == 409 and refused.value.code == "invalid_job_state"


def test_another_tenant_cannot_cancel_a_job(tenant, other_tenant):
    # given
    job = submitted(tenant)
    # when
    with pytest.raises(LabJob.DoesNotExist):
        services.job_cancel(actor=ACTOR, tenant=other_tenant, job_id=job.pk)
    # then
    assert LabJob.objects.get(pk=job.pk).status == "queued"
