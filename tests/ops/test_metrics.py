"""GET /metrics: token protection, Prometheus parsing, and figures that move after real work."""
from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from apps.ledger.services.sealer import ledger_seal_all
from apps.ops.heartbeat import broker_client, heartbeat_clear, heartbeat_write
from apps.ops.metrics import metrics_source_register
from apps.ops.services import job_energy_record
from apps.signals import services as signal_services
from tests.ledger.factories import funded_account
from tests.marketplace.factories import make_market, make_trader, place
from tests.ops.factories import measurement
from tests.signals.factories import ACTOR, make_stream, wave
from thermodynasty.celery import app

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-metrics-token"


def scrape(client: Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def metrics_on(settings: Any) -> None:
    settings.METRICS_TOKEN = TOKEN


def test_it_answers_404_while_no_token_is_configured(client, settings):
    # given
    settings.METRICS_TOKEN = ""
    # when
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything")
    # then
    assert response.status_code == 404
    assert response.json()["code"] == "not_found" and "METRICS_TOKEN" in response.json()["message"]


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"])
def test_it_refuses_a_missing_or_wrong_token(client, metrics_on, header):
    # when
    response = client.get("/metrics", **({"HTTP_AUTHORIZATION": header} if header else {}))
    # then
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert response.json()["code"] == "not_authenticated"
    assert b"thermodynasty_" not in response.content


def test_it_refuses_writes(client, metrics_on):
    # when
    response = client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    # then
    assert response.status_code == 405


def test_it_speaks_openmetrics_when_asked(client, metrics_on, db):
    # when
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
                          HTTP_ACCEPT="application/openmetrics-text; version=1.0.0")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/openmetrics-text")
    assert response.content.rstrip().endswith(b"# EOF")


def test_counters_and_gauges_move_after_real_work(client, metrics_on, tenant, other_tenant):
    # given
    before = scrape(client)
    stream = make_stream(tenant)
    market = make_market()
    buyer, seller = make_trader("metrics-buyer"), make_trader("metrics-seller")
    redis = broker_client()
    # when
    signal_services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(25))
    funded_account(other_tenant, 500)
    place(seller, market, "sell", 100, 3)
    place(buyer, market, "buy", 100, 2)
    heartbeat_write(client=redis, hostname="metrics-test@host", queues=["gpu", "default"])
    app.send_task("ops.metrics_test_never_runs", queue="webhooks", priority=6)
    ledger_seal_all()  # the counter reads the sealed chain; the sealer worker does this within milliseconds
    try:
        after = scrape(client)
    finally:
        heartbeat_clear(client=redis, hostname="metrics-test@host")
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge("webhooks")
    # then
    assert value(after, "thermodynasty_ingested_points_total") - value(before, "thermodynasty_ingested_points_total") \
        == 25
    assert value(after, "thermodynasty_ledger_entries_total") > value(before, "thermodynasty_ledger_entries_total")
    symbol = market.symbol
    assert value(after, "thermodynasty_market_orders_total", market=symbol) == 2
    assert value(after, "thermodynasty_market_trades_total", market=symbol) == 1
    assert value(after, "thermodynasty_market_traded_notional_total", market=symbol) > 0
    assert value(after, "thermodynasty_workers_up") == value(before, "thermodynasty_workers_up") + 1
    assert value(after, "thermodynasty_queue_workers", queue="gpu") >= 1
    assert value(after, "thermodynasty_queue_depth", queue="webhooks", priority="6") == 1
    assert all(value(after, "thermodynasty_metrics_source_up", source=s) == 1
               for s in ("celery", "ledger", "marketplace", "signals"))


def test_no_label_names_a_tenant(client, metrics_on, tenant, other_tenant):
    # given
    make_stream(tenant)
    funded_account(other_tenant, 100)
    identifiers = {str(t.pk) for t in (tenant, other_tenant)} | {t.slug for t in (tenant, other_tenant)} \
        | {t.name for t in (tenant, other_tenant)}
    # when
    samples = scrape(client)
    # then
    labels = {name for _, pairs in samples for name, _ in pairs}
    values = {v for _, pairs in samples for name, v in pairs if name != "priority"}  # bands 0-9, not ids
    assert "tenant" not in labels and "tenant_id" not in labels
    assert not values & identifiers


def test_job_energy_counters_and_duration_histogram_follow_recorded_work(client, metrics_on, settings, tenant,
                                                                          other_tenant):
    # given: a static grid of 250 gCO2e/kWh; 7,200 J is 2 Wh, so 0.5 g
    settings.OPS_DEFAULT_REGION = "metrics-region"
    settings.OPS_CARBON_PROVIDERS = {"metrics-region": {"kind": "static", "gco2_per_kwh": 250.0}}
    before = scrape(client)
    labels = {"kind": "lab.diffusion2d", "queue": "gpu", "source": "model"}
    # when
    with transaction.atomic():
        for ref_id, (who, wall_s) in enumerate([(tenant, 0.3), (other_tenant, 4.0), (tenant, 45.0)], start=1):
            job_energy_record(tenant=who, kind="lab.diffusion2d", queue="gpu", ref_type="metrics.test", ref_id=ref_id,
                              size=1000, measurement=measurement(wall_s=wall_s), started_at=timezone.now(),
                              ceu_charged=500)
    after = scrape(client)
    # then
    def moved(name: str, **extra: str) -> float:
        return value(after, name, **extra) - value(before, name, **extra)

    assert moved("thermodynasty_job_energy_joules_total", **labels) == pytest.approx(3 * 7_200.0)
    assert moved("thermodynasty_job_co2e_grams_total", **labels) == pytest.approx(3 * 0.5)
    assert moved("thermodynasty_job_ceu_charged_total", kind="lab.diffusion2d", queue="gpu") == 1500
    hist = {"kind": "lab.diffusion2d", "queue": "gpu"}
    assert moved("thermodynasty_job_duration_seconds_count", **hist) == 3
    assert moved("thermodynasty_job_duration_seconds_sum", **hist) == pytest.approx(49.3)
    assert moved("thermodynasty_job_duration_seconds_bucket", **hist, le="0.5") == 1
    assert moved("thermodynasty_job_duration_seconds_bucket", **hist, le="5.0") == 2
    assert moved("thermodynasty_job_duration_seconds_bucket", **hist, le="60.0") == 3
    assert moved("thermodynasty_job_duration_seconds_bucket", **hist, le="+Inf") == 3


def test_a_failing_source_costs_only_its_own_figures(client, metrics_on, tenant):
    # given: a source whose query fails inside the scrape's snapshot
    from django.db import connection

    from apps.ops.metrics.registry import _sources

    def broken() -> Any:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")
        return []

    metrics_source_register("aaa_broken", broken)  # sorts first: the sources after it must still read
    make_stream(tenant)
    # when
    try:
        samples = scrape(client)
    finally:
        _sources.pop("aaa_broken")
    # then
    assert value(samples, "thermodynasty_metrics_source_up", source="aaa_broken") == 0
    assert value(samples, "thermodynasty_metrics_source_up", source="signals") == 1
    assert value(samples, "thermodynasty_streams") >= 1


def test_a_heartbeat_expires_after_three_missed_beats(settings):
    # given
    settings.OPS_WORKER_HEARTBEAT_SECONDS = 7
    redis = broker_client()
    # when
    heartbeat_write(client=redis, hostname="ttl-test@host", queues=["default"])
    try:
        ttl = redis.ttl("thermodynasty:worker:ttl-test@host")
    finally:
        heartbeat_clear(client=redis, hostname="ttl-test@host")
    # then
    assert 0 < ttl <= 21
