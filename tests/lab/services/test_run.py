from __future__ import annotations

import io
import json

import numpy as np
import pytest

from apps.lab import services
from apps.lab.pricing import price
from apps.lab.services.execution import Watch
from apps.lab.storage import lab_storage
from apps.ledger.models import Hold
from apps.ledger.services import ledger_verify, system_account
from tests.lab.factories import ACTOR, GRAPH, reloaded, submitted
from tests.ledger.factories import funded_account, refreshed

pytestmark = pytest.mark.django_db


@pytest.fixture
def progress_log(monkeypatch):
    """Every progress value the worker writes to the row, in order."""
    written: list[float] = []
    original = Watch._write

    def spy(self, **fields):
        if "progress" in fields:
            written.append(fields["progress"])
        return original(self, **fields)

    monkeypatch.setattr(Watch, "_write", spy)
    return written


def test_a_job_runs_stores_its_artefacts_and_is_charged_its_actual_cost(tenant, settings, progress_log):
    # given
    settings.LAB_PROGRESS_INTERVAL_S = 0.0
    fees = system_account(asset="CEU", code="fees")
    fees_before = fees.balance
    job = submitted(tenant)
    # when
    outcome = services.job_run(job_id=job.pk, delivery="task-1")
    # then
    job = reloaded(job)
    assert outcome == "succeeded" and job.status == "succeeded" and job.progress == 100.0
    assert job.attempts == 1 and job.device == "cpu" and job.error == ""
    assert 0 < job.charged == price(job.metrics["work"]) <= job.cost_estimate
    assert Hold.objects.get(pk=job.hold_id).posted_amount == job.charged
    assert refreshed(funded_account(tenant)).balance == 100_000 - job.charged
    assert refreshed(fees).balance == fees_before + job.charged
    assert progress_log == sorted(progress_log) and progress_log[0] < 50 and progress_log[-1] == 95.0
    assert ledger_verify().ok


def test_a_job_leaves_arrays_pictures_and_metrics_in_the_storage(tenant):
    # given
    job = submitted(tenant)
    # when
    services.job_run(job_id=job.pk, delivery="task-1")
    # then
    job, storage = reloaded(job), lab_storage()
    names = {a["name"]: a for a in job.artefacts}
    assert set(names) == {"fields.npz", "field_snapshots.png", "field_final.png", "energy_entropy.png",
                          "metrics.json"}
    assert all(storage.exists(a["path"]) and storage.size(a["path"]) == a["size"] for a in job.artefacts)
    assert names["field_final.png"]["content_type"] == "image/png"
    with storage.open(names["fields.npz"]["path"]) as fh:
        arrays = np.load(io.BytesIO(fh.read()))
        assert arrays["fields"].shape == (4, 32, 32)
        assert arrays["times"].tolist() == pytest.approx([0, 5 / 3, 10 / 3, 5])
    with storage.open(names["metrics.json"]["path"]) as fh:
        assert json.load(fh) == job.metrics
    with storage.open(names["field_final.png"]["path"]) as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


def test_diffusion_conserves_energy_and_never_lowers_entropy(tenant):
    # given
    job = submitted(tenant, params={"nx": 48, "ny": 40, "t_end": 8.0, "boundary": "neumann", "method": "explicit",
                                    "sources": [{"x": 10, "y": 10, "sigma": 2, "amount": 3.0}]})
    # when
    services.job_run(job_id=job.pk, delivery="task-1")
    # then
    metrics = reloaded(job).metrics
    assert metrics["energy_drift"] < 1e-13 and metrics["energy_initial"] == pytest.approx(3.0, rel=1e-6)
    assert metrics["entropy_final"] > metrics["entropy_initial"] and metrics["entropy_production_min"] >= 0


def test_a_graph_cascade_reports_when_each_asset_was_reached(tenant):
    # given
    job = submitted(tenant, kind="graph_cascade", params=GRAPH)
    # when
    services.job_run(job_id=job.pk, delivery="task-1")
    # then
    job = reloaded(job)
    first = [row["node"] for row in job.metrics["first_reached"]]
    assert job.status == "succeeded" and first[0] == "pump" and set(first) == {"pump", "tank", "valve", "meter"}
    assert job.metrics["energy_drift"] < 1e-14 and {a["name"] for a in job.artefacts} >= {"node_heat.png"}


def test_a_second_delivery_of_a_finished_job_does_nothing(tenant):
    # given
    job = submitted(tenant)
    services.job_run(job_id=job.pk, delivery="task-1")
    charged = reloaded(job).charged
    # when
    again = services.job_run(job_id=job.pk, delivery="task-1")
    other = services.job_run(job_id=job.pk, delivery="task-2")
    # then
    assert again == other == "succeeded"
    assert reloaded(job).attempts == 1 and reloaded(job).charged == charged
    assert ledger_verify().ok


def test_a_job_cancelled_while_running_stops_at_the_next_check_and_is_not_charged(tenant, monkeypatch, settings,
                                                                                   lab_media):
    # given
    settings.LAB_PROGRESS_INTERVAL_S = 0.0
    job = submitted(tenant, params={"nx": 32, "ny": 32, "t_end": 20.0, "method": "explicit"})
    original = Watch._write
    calls = []

    def cancel_on_fourth_write(self, **fields):
        calls.append(fields)
        if len(calls) == 4:
            services.job_cancel(actor=ACTOR, tenant=tenant, job_id=job.pk)
        return original(self, **fields)

    monkeypatch.setattr(Watch, "_write", cancel_on_fourth_write)
    # when
    outcome = services.job_run(job_id=job.pk, delivery="task-1")
    # then
    job = reloaded(job)
    assert outcome == job.status == "cancelled" and 0 < job.progress < 90
    assert job.charged == 0 and job.artefacts == [] and Hold.objects.get(pk=job.hold_id).status == "voided"
    assert len(calls) == 4  # the fourth write after the cancel found the row no longer running and stopped the kernel
    assert not list(lab_media.rglob("*.png"))
    assert refreshed(funded_account(tenant)).balance == 100_000
    assert ledger_verify().ok


def test_a_job_past_its_time_limit_is_failed_and_its_hold_voided(tenant, monkeypatch):
    # given
    job = submitted(tenant, time_limit_s=10)
    clock = iter(range(0, 10_000, 7))
    monkeypatch.setattr("apps.lab.services.execution.time.monotonic", lambda: float(next(clock)))
    # when
    outcome = services.job_run(job_id=job.pk, delivery="task-1")
    # then
    job = reloaded(job)
    assert outcome == job.status == "failed" and "time limit of 10 s" in job.error
    assert Hold.objects.get(pk=job.hold_id).status == "voided" and job.charged == 0
    assert refreshed(funded_account(tenant)).balance == 100_000


def test_a_deterministic_kernel_error_fails_the_job_at_once(tenant, monkeypatch):
    # given
    job = submitted(tenant)

    def unstable(*args, **kwargs):
        from kernels.pde import StabilityError

        raise StabilityError("state became non-finite at t=3")

    monkeypatch.setattr("kernels.pde.simulate", unstable)
    # when
    outcome = services.job_run(job_id=job.pk, delivery="task-1")
    # then
    job = reloaded(job)
    assert outcome == "failed" and job.error == "StabilityError: state became non-finite at t=3"
    assert job.attempts == 1 and Hold.objects.get(pk=job.hold_id).status == "voided"


def test_a_job_whose_reservation_lapsed_fails_without_a_charge(tenant, monkeypatch):
    # given
    job = submitted(tenant)
    Hold.objects.filter(pk=job.hold_id).update(status="expired")
    # when
    outcome = services.job_run(job_id=job.pk, delivery="task-1")
    # then
    job = reloaded(job)
    assert outcome == "failed" and "lapsed" in job.error and job.charged == 0 and job.artefacts == []


def test_the_worker_runs_on_cuda_when_present(tenant, monkeypatch):
    # given
    monkeypatch.setattr("torch.cuda.is_available", lambda: True)
    # when
    device = services.pick_device()
    # then
    assert device.type == "cuda"


def test_a_configured_device_wins_over_detection(settings):
    # given
    settings.LAB_DEVICE = "cpu"
    # when
    device = services.pick_device()
    # then
    assert device.type == "cpu"


def test_torch_threads_are_pinned_from_the_setting(tenant, settings, monkeypatch):
    # given
    settings.LAB_TORCH_THREADS = 1
    pinned: list[int] = []
    monkeypatch.setattr("torch.set_num_threads", pinned.append)
    job = submitted(tenant)
    # when
    services.job_run(job_id=job.pk, delivery="task-1")
    # then
    assert pinned == [1]
