from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, datetime

import pytest
from django.db import DatabaseError, transaction

from apps.ops.carbon import CarbonPoint
from apps.ops.energy.records import energy_body, energy_estimate, job_energy_get
from apps.ops.models import EnergyProfile, JobEnergy
from apps.ops.services import job_energy_record
from apps.tenants import rls
from tests.ops.factories import measurement
from tests.tenants.roles import as_table_owner

pytestmark = pytest.mark.django_db
STARTED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _grid(settings):
    settings.OPS_DEFAULT_REGION = "test-region"
    settings.OPS_CARBON_PROVIDERS = {"test-region": {"kind": "static", "gco2_per_kwh": 250.0,
                                                     "price_per_mwh_minor": 20_000}}
    settings.OPS_CEU_MINOR_PER_CURRENCY_MINOR = 1_000


def _record(tenant, ref_id=1, **kwargs):
    args = {"tenant": tenant, "kind": "lab.diffusion2d", "queue": "gpu", "ref_type": "lab.labjob", "ref_id": ref_id,
            "size": 1_000_000, "measurement": measurement(), "started_at": STARTED, "ceu_charged": 1_000}
    with transaction.atomic():
        return job_energy_record(**{**args, **kwargs})


def test_it_stores_the_figures_with_the_carbon_at_the_start(tenant):
    # when: 7,200 J is 2 Wh
    row = _record(tenant)
    # then
    row.refresh_from_db()
    assert (row.joules, row.source, row.estimated, row.region) == (7_200.0, "model", True, "test-region")
    assert (row.gco2_per_kwh, row.carbon_source, row.price_per_mwh_minor) == (250.0, "static", 20_000)
    assert row.co2e_grams == pytest.approx(0.5)  # 0.002 kWh * 250 g/kWh
    # 0.002 kWh * 200.00/MWh = 0.04 cents = 40 CEU minor units
    assert (row.ceu_charged, row.ceu_energy) == (1_000, 40)


def test_the_energy_part_never_exceeds_the_charge(tenant):
    # when: 36 MJ (10 kWh) on a 5-unit charge
    row = _record(tenant, measurement=measurement(joules=36e6), ceu_charged=5)
    # then
    assert row.ceu_energy == 5
    assert energy_body(row)["energy_share"] == 1.0


def test_a_given_carbon_point_is_used_as_is(tenant):
    # given: a provider without a price: the default price applies
    point = CarbonPoint(STARTED, STARTED, 100.0, None, "electricitymaps:DE")
    # when
    row = _record(tenant, carbon=point)
    # then
    assert (row.gco2_per_kwh, row.carbon_source, row.price_per_mwh_minor) == (100.0, "electricitymaps:DE", 10_000)


def test_recording_the_same_work_twice_keeps_one_row(tenant):
    # given
    first = _record(tenant)
    # when
    second = _record(tenant, measurement=measurement(joules=1.0))
    # then
    assert second.pk == first.pk and JobEnergy.objects.filter(ref_type="lab.labjob", ref_id=1).count() == 1
    assert EnergyProfile.objects.get(kind="lab.diffusion2d").samples == 1


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_run_outside_a_transaction(tenant):
    with pytest.raises(AssertionError, match="completion transaction"):
        job_energy_record(tenant=tenant, kind="k", queue="q", ref_type="t", ref_id=1, size=1,
                          measurement=measurement(), started_at=STARTED, ceu_charged=0)


def test_rows_are_never_updated_or_deleted(tenant):
    # given
    row = _record(tenant)
    # when / then: the app's role has no such right, and even the table's owner meets the append-only trigger
    for refused in ("permission denied", "append-only"):
        with as_table_owner() if refused == "append-only" else nullcontext():
            with pytest.raises(DatabaseError, match=refused), transaction.atomic():
                JobEnergy.objects.filter(pk=row.pk).update(joules=0)
            with pytest.raises(DatabaseError, match=refused), transaction.atomic():
                JobEnergy.objects.filter(pk=row.pk).delete()


def test_a_tenant_reads_only_its_own_rows(tenant, other_tenant):
    # given
    _record(tenant, ref_id=1)
    _record(other_tenant, ref_id=2)
    # when
    with rls.tenant_scope(tenant.pk):
        own = job_energy_get(tenant=tenant, ref_type="lab.labjob", ref_id=1)
        foreign = job_energy_get(tenant=tenant, ref_type="lab.labjob", ref_id=2)
        visible = set(JobEnergy.objects.values_list("tenant_id", flat=True))
    # then
    assert own is not None and foreign is None and visible == {tenant.pk}


def test_the_estimate_scales_the_measured_history_by_size(tenant):
    # given: two jobs, 2e6 size units for 7,200 + 3,600 J
    _record(tenant, ref_id=1)
    _record(tenant, ref_id=2, measurement=measurement(joules=3_600.0))
    # when
    estimate = energy_estimate(kind="lab.diffusion2d", size=4_000_000, cost=10_000)
    # then: 21,600 J (6 Wh at 200.00/MWh = 0.12 cents = 120 minor units)
    assert estimate is not None
    assert (estimate.joules, estimate.samples, estimate.ceu_energy) == (pytest.approx(21_600.0), 2, 120)


def test_there_is_no_estimate_without_history():
    assert energy_estimate(kind="lab.never_ran", size=10, cost=10) is None


def test_a_typical_job_is_the_measured_average_without_a_cap(tenant):
    # given: 7,200 J for 1e6 and 3,600 J for 3e6 size units
    _record(tenant, ref_id=1)
    _record(tenant, ref_id=2, size=3_000_000, measurement=measurement(joules=3_600.0))
    # when
    typical = energy_estimate(kind="lab.diffusion2d", size=None, cost=None)
    # then: the average job (2e6) at the average rate (10,800 J / 4e6)
    assert typical is not None and typical.joules == pytest.approx(5_400.0) and typical.energy_share is None
    assert typical.ceu_energy == 30  # 1.5 Wh at 200.00/MWh = 0.03 cents


def test_work_of_no_size_is_recorded_but_left_out_of_the_history(tenant):
    # given
    _record(tenant, ref_id=1)
    # when: a failed job, nothing done
    row = _record(tenant, ref_id=2, size=0, ceu_charged=0, measurement=measurement(joules=99_999.0))
    # then
    profile = EnergyProfile.objects.get(kind="lab.diffusion2d")
    assert row.pk and (profile.samples, profile.joules_total) == (1, 7_200.0)
