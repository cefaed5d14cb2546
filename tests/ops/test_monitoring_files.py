"""The compose stack's Prometheus and Grafana files: they parse, point at each other, and every metric the
dashboard and the alert rules query is one that /metrics really exposes."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.ops.energy_factories import job_energy

DOCKER = Path(__file__).resolve().parents[2] / "docker"
METRIC = re.compile(r"\bthermodynasty_[a-z0-9_]+")
TOKEN = "monitoring-files-token"


def load(path: str) -> Any:
    text = (DOCKER / path).read_text()
    return json.loads(text) if path.endswith(".json") else yaml.safe_load(text)


def dashboard_queries() -> list[str]:
    panels = load("grafana/dashboards/thermodynasty.json")["panels"]
    return [t["expr"] for p in panels for t in p.get("targets", [])]


def rule_queries() -> list[str]:
    return [rule["expr"] for group in load("prometheus/alerts.yml")["groups"] for rule in group["rules"]]


@pytest.fixture
def exposed(client: Any, settings: Any, tenant: Any) -> set[str]:
    """Family and sample names of one scrape, with a measured job so the job families have samples (a family
    without samples, such as the outbox lag before any consumer ran, still declares itself)."""
    settings.METRICS_TOKEN = TOKEN
    job_energy(tenant, ref_id=1)
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    families = list(text_string_to_metric_families(response.content.decode()))
    return {f.name for f in families} | {s.name for f in families for s in f.samples}


def test_prometheus_scrapes_metrics_with_the_token_the_web_service_reads():
    # given
    compose, prometheus = load("compose.yaml"), load("prometheus/prometheus.yml")
    # when
    job = prometheus["scrape_configs"][0]
    # then
    assert job["metrics_path"] == "/metrics" and job["static_configs"][0]["targets"] == ["web:8000"]
    assert job["authorization"] == {"type": "Bearer", "credentials_file": "/run/secrets/metrics_token"}
    assert compose["services"]["web"]["environment"]["METRICS_TOKEN_FILE"] == "/run/secrets/metrics_token"
    assert "metrics_token" in compose["services"]["web"]["secrets"]
    assert "metrics_token" in compose["services"]["prometheus"]["secrets"] and "metrics_token" in compose["secrets"]
    assert "web" in compose["services"]["web"]["environment"]["ALLOWED_HOSTS"]
    assert "/etc/prometheus/alerts.yml" in prometheus["rule_files"]


def test_grafana_provisions_the_datasource_the_dashboard_uses():
    # given
    compose = load("compose.yaml")
    datasource = load("grafana/provisioning/datasources/prometheus.yaml")["datasources"][0]
    provider = load("grafana/provisioning/dashboards/thermodynasty.yaml")["providers"][0]
    dashboard = load("grafana/dashboards/thermodynasty.json")
    # when
    used = {json.dumps(p["datasource"], sort_keys=True) for p in dashboard["panels"] if "datasource" in p}
    # then
    assert datasource["url"] == "http://prometheus:9090" and "prometheus" in compose["services"]
    assert used == {json.dumps({"type": "prometheus", "uid": datasource["uid"]}, sort_keys=True)}
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./grafana/dashboards:{provider['options']['path']}:ro" in mounts
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])


def test_the_dashboard_covers_energy_carbon_durations_queues_workers_and_rates():
    # when
    names = {m for expr in dashboard_queries() for m in METRIC.findall(expr)}
    # then
    assert {"thermodynasty_job_energy_joules_total", "thermodynasty_job_co2e_grams_total",
            "thermodynasty_job_duration_seconds_bucket", "thermodynasty_queue_depth", "thermodynasty_workers_up",
            "thermodynasty_ledger_entries_total", "thermodynasty_ingested_points_total",
            "thermodynasty_market_trades_total"} <= names


def test_every_queried_metric_is_exposed(exposed):
    # when
    queried = {m for expr in dashboard_queries() + rule_queries() for m in METRIC.findall(expr)}
    # then
    assert queried and queried <= exposed, f"queried but not exposed: {sorted(queried - exposed)}"
