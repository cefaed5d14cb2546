"""Every lab job records its energy (JobEnergy) in the transaction that finishes it."""
from __future__ import annotations

import pytest

from apps.lab import services
from apps.ops.energy import model_joules
from apps.ops.models import JobEnergy
from tests.lab.factories import reloaded, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _grid(settings, tmp_path):
    settings.OPS_RAPL_ROOT = str(tmp_path / "no-powercap")  # the power model, whatever this host offers
    settings.OPS_DEFAULT_REGION = "lab-test"
    settings.OPS_CARBON_PROVIDERS = {"lab-test": {"kind": "static", "gco2_per_kwh": 200.0,
                                                  "price_per_mwh_minor": 10_000}}
    from apps.ops.energy import sampler

    sampler._zones.clear()
    yield
    sampler._zones.clear()


def test_a_finished_job_records_its_measured_energy_and_carbon(tenant):
    # given
    job = submitted(tenant)
    # when
    services.job_run(job_id=job.pk, delivery="task-1")
    # then
    job = reloaded(job)
    row = JobEnergy.objects.get(ref_type="lab.labjob", ref_id=job.pk)
    assert (row.tenant_id, row.kind, row.queue, row.size) == (tenant.pk, "lab.diffusion2d", "gpu",
                                                              round(job.metrics["work"]))
    assert row.cpu_s > 0 and row.wall_s > 0 and (row.source, row.estimated) == ("model", True)
    assert row.joules == pytest.approx(model_joules(row.cpu_s, row.wall_s))
    assert row.co2e_grams == pytest.approx(row.joules / 3.6e6 * 200.0)
    assert (row.ceu_charged, row.region, row.started_at) == (job.charged, "lab-test", job.started_at)
    assert 0 <= row.ceu_energy <= job.charged


def test_a_failed_job_records_the_energy_it_used_at_no_charge(tenant, monkeypatch):
    # given
    job = submitted(tenant)

    def unstable(*args, **kwargs):
        from kernels.pde import StabilityError

        raise StabilityError("state became non-finite at t=3")

    monkeypatch.setattr("kernels.pde.simulate", unstable)
    # when
    services.job_run(job_id=job.pk, delivery="task-1")
    # then
    row = JobEnergy.objects.get(ref_type="lab.labjob", ref_id=job.pk)
    assert reloaded(job).status == "failed" and (row.ceu_charged, row.ceu_energy, row.size) == (0, 0, 0)


def test_a_second_delivery_records_nothing_more(tenant):
    # given
    job = submitted(tenant)
    services.job_run(job_id=job.pk, delivery="task-1")
    # when
    services.job_run(job_id=job.pk, delivery="task-2")
    # then
    assert JobEnergy.objects.filter(ref_type="lab.labjob", ref_id=job.pk).count() == 1


def test_a_cancelled_job_records_nothing(tenant, monkeypatch, settings):
    # given: cancelled before it runs
    job = submitted(tenant)
    from tests.lab.factories import ACTOR

    services.job_cancel(actor=ACTOR, tenant=tenant, job_id=job.pk)
    # when
    services.job_run(job_id=job.pk, delivery="task-1")
    # then
    assert not JobEnergy.objects.filter(ref_id=job.pk, ref_type="lab.labjob").exists()
