"""The learned kinds: a conservative next-frame model (train, then forecast) and the diffusion-model forecast of
telemetry. Tiny sizes keep each run around a second."""
from __future__ import annotations

import io

import numpy as np
import pytest

from apps.core.errors import ApplicationError
from apps.lab import services
from apps.lab.artefacts import artefact_bytes
from apps.lab.models import LabJob
from apps.lab.storage import lab_storage
from apps.signals import services as signal_services
from kernels import next_vector as nvp
from tests.lab.factories import ACTOR, reloaded, submitted
from tests.signals.factories import make_stream, wave

pytestmark = pytest.mark.django_db
TINY_NVP = {"size": 16, "trajectories": 3, "frames": 6, "steps": 25, "batch": 4, "width": 4, "depth": 1}
TINY_DDPM = {"length": 300, "window": 8, "context": 16, "period": 12, "samples": 20, "steps": 30, "batch": 32,
             "diffusion_steps": 5, "hidden": 16, "depth": 1}


def _run(job) -> object:
    services.job_run(job_id=job.pk, delivery="task-1")
    return reloaded(job)


@pytest.mark.slow
def test_a_trained_model_is_stored_and_forecasts_conserving_the_total_exactly(tenant):
    # given
    trained = _run(submitted(tenant, kind="nvp_train", params=TINY_NVP))
    # when
    forecast = _run(submitted(tenant, kind="nvp_forecast", params={"model_job": trained.pk, "horizon": 12}, fund=0))
    # then
    assert trained.status == "succeeded" and trained.metrics["steps"] == 25
    assert trained.metrics["val_nrmse"] < trained.metrics["persistence_nrmse"]
    model, _ = nvp.load_model(artefact_bytes(tenant_id=tenant.pk, job_id=trained.pk, name="model.pt"))
    assert model.config == nvp.config_from_dict(trained.metrics["config"]) and model.config.problem.shape == (16, 16)
    assert forecast.status == "succeeded" and forecast.metrics["conservation_error_max"] < 1e-13
    assert forecast.metrics["nrmse_last"] < forecast.metrics["persistence_nrmse_last"]
    assert {a["name"] for a in forecast.artefacts} >= {"forecast.png", "truth.png", "forecast_error.png"}
    assert 0 < forecast.charged <= forecast.cost_estimate


def _finished_model(tenant, status: str = "succeeded") -> LabJob:
    """A trained model's row as the forecast's validation sees it (no training needed to check references)."""
    return LabJob.objects.create(tenant=tenant, kind="nvp_train", params=TINY_NVP, status=status, cost_estimate=50,
                                 time_limit_s=600, metrics={"config": nvp.config_to_dict(nvp.tiny_config("diffusion"))})


def test_a_forecast_can_be_priced_from_the_models_stored_configuration(tenant):
    # given
    model = _finished_model(tenant)
    # when
    quote = services.job_quote(kind="nvp_forecast", params={"model_job": model.pk, "horizon": 20}, tenant=tenant)
    # then
    assert quote.estimate.method == "rollout" and quote.estimate.steps == 20 and quote.cost > 20


def test_a_forecast_needs_a_finished_model_of_the_same_tenant(tenant, other_tenant):
    # given
    foreign = _finished_model(other_tenant)
    unfinished = _finished_model(tenant, status="running")
    diffusion = submitted(tenant)
    # when
    refusals = []
    for model_job in (foreign.pk, unfinished.pk, diffusion.pk, 999_999):
        with pytest.raises(ApplicationError) as refused:
            services.job_quote(kind="nvp_forecast", params={"model_job": model_job}, tenant=tenant)
        refusals.append(refused.value.extra["fields"])
    # then
    assert refusals == [{"params.model_job": ["No finished nvp_train job of yours has this id."]}] * 4


def test_training_sizes_are_checked_together(tenant):
    # when
    with pytest.raises(ApplicationError) as refused:
        services.job_quote(kind="nvp_train", params={"frames": 3, "history": 2, "size": 4, "oops": 1})
    # then
    assert set(refused.value.extra["fields"]) == {"params.frames", "params.size", "params.oops"}


def test_a_training_run_too_large_is_refused_with_the_field_to_change():
    # when
    with pytest.raises(ApplicationError) as refused:
        services.job_quote(kind="nvp_train", params={"size": 128, "steps": 20_000, "batch": 128, "width": 128})
    # then
    assert refused.value.code == "too_much_work" and "params.steps" in refused.value.extra["fields"]


def test_a_telemetry_forecast_is_scored_on_the_held_out_window(tenant):
    # when
    job = _run(submitted(tenant, kind="telemetry_forecast", params=TINY_DDPM))
    # then
    metrics = job.metrics
    assert job.status == "succeeded" and metrics["points"] == 300 and 0 <= metrics["coverage_80"] <= 1
    assert metrics["crps"] > 0 and metrics["crps_seasonal_naive"] > 0 and metrics["crps_skill"] is not None
    names = {a["name"] for a in job.artefacts}
    assert {"holdout_forecast.png", "future_forecast.png", "training_loss.png", "fields.npz"} <= names
    npz = next(a for a in job.artefacts if a["name"] == "fields.npz")
    arrays = np.load(io.BytesIO(lab_storage().open(npz["path"]).read()))
    assert arrays["holdout_samples"].shape == (20, 8) and arrays["future_q50"].shape == (8,)


def test_a_telemetry_forecast_reads_the_tenants_own_stream(tenant, other_tenant):
    # given
    stream = make_stream(tenant)
    signal_services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(120))
    foreign = make_stream(other_tenant)
    params = {**TINY_DDPM, "source": "stream", "length": 100}
    # when
    job = _run(submitted(tenant, kind="telemetry_forecast", params={**params, "stream_id": stream.pk}))
    with pytest.raises(ApplicationError) as refused:
        services.job_quote(kind="telemetry_forecast", params={**params, "stream_id": foreign.pk}, tenant=tenant)
    # then
    assert job.status == "succeeded" and job.metrics["points"] == 100
    assert refused.value.extra["fields"] == {"params.stream_id": ["No stream of yours has this id."]}


@pytest.mark.parametrize(("params", "field"), [
    ({"source": "series", "series": [1.0, 2.0]}, "params.series"),
    ({"source": "series"}, "params.series"),
    ({"source": "stream"}, "params.stream_id"),
    ({"period": 100, "context": 16}, "params.period"),
    ({"length": 100, "context": 64, "window": 24}, "params.length"),
])
def test_bad_telemetry_inputs_are_named(tenant, params, field):
    # when
    with pytest.raises(ApplicationError) as refused:
        services.job_quote(kind="telemetry_forecast", params=params, tenant=tenant)
    # then
    assert field in refused.value.extra["fields"]
