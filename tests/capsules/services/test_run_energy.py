"""Every capsule run records its measured energy (JobEnergy) with its settlement."""
from __future__ import annotations

import pytest

from apps.capsules import services
from apps.ops.energy import model_joules
from apps.ops.models import JobEnergy
from tests.capsules.factories import ACTOR, make_capsule, platform, stream_with_points
from tests.ledger.factories import funded_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _grid(settings, tmp_path):
    from apps.ops.energy import sampler

    settings.OPS_RAPL_ROOT = str(tmp_path / "no-powercap")
    settings.OPS_DEFAULT_REGION = "caps-test"
    settings.OPS_CARBON_PROVIDERS = {"caps-test": {"kind": "static", "gco2_per_kwh": 500.0}}
    sampler._zones.clear()
    yield
    sampler._zones.clear()


def _run(tenant):
    stream = stream_with_points(tenant, n=400)
    funded_account(tenant, 100_000)
    run = services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=make_capsule(platform()).pk,
                                     inputs={"streams": [stream.pk]})
    services.capsule_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def test_a_settled_run_records_its_energy_and_shows_it_in_watt_hours(tenant):
    # when
    run = _run(tenant)
    # then
    row = JobEnergy.objects.get(ref_type="capsules.capsulerun", ref_id=run.pk)
    assert (row.tenant_id, row.kind, row.queue, row.size) == (tenant.pk, "capsule.regime_monitor", "default", 400)
    assert row.joules == pytest.approx(model_joules(row.cpu_s, row.wall_s)) and row.estimated
    assert (row.gco2_per_kwh, row.ceu_charged) == (500.0, run.charged)
    assert run.energy_wh == pytest.approx(row.joules / 3600)


def test_executing_again_records_nothing_more(tenant):
    # given
    run = _run(tenant)
    # when
    services.capsule_run_execute(run_id=run.pk)
    # then
    assert JobEnergy.objects.filter(ref_type="capsules.capsulerun", ref_id=run.pk).count() == 1


def test_the_run_api_shows_the_energy_and_another_tenant_gets_404(tenant, api, other_api):
    # given
    run = _run(tenant)
    # when
    body = api.get(f"/api/v1/capsules/runs/{run.pk}/").json()
    foreign = other_api.get(f"/api/v1/capsules/runs/{run.pk}/")
    # then
    assert body["energy"]["joules"] == pytest.approx(run.energy_wh * 3600)
    assert body["energy"]["ceu_charged"] == body["charged"] and body["energy"]["carbon_source"] == "static"
    assert foreign.status_code == 404
