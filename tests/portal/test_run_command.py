"""scripts/run.sh: what it binds to, whether Django's debug pages are on, and the one summary it prints."""
from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
UNSET = ("DEBUG", "THERMO_BIND", "PORT", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE")


def _run_config(**env: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in UNSET} | env
    out = subprocess.run(["bash", "scripts/run.sh", "--print-config"], cwd=ROOT, env=clean, check=True,
                         capture_output=True, text=True, timeout=60).stdout
    return dict(line.split("=", 1) for line in out.splitlines())


def test_run_serves_loopback_only_with_debug_pages_off_by_default():
    # when
    config = _run_config()
    # then
    assert config["bind"] == "127.0.0.1:8000" and config["DEBUG"] == "false"


def test_the_bind_address_and_port_come_from_the_environment():
    # when
    config = _run_config(THERMO_BIND="0.0.0.0", PORT="9000")
    # then
    assert config["bind"] == "0.0.0.0:9000"


def test_without_stripe_keys_run_uses_the_local_stand_in_and_with_them_stripe():
    # when
    standin, stripe = _run_config(), _run_config(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")
    # then
    assert standin["payments"] == "standin" and standin["STRIPE_API_BASE"] == "http://127.0.0.1:12111"
    assert stripe["payments"] == "stripe" and stripe["STRIPE_API_BASE"] == "https://api.stripe.com"


def test_the_settings_run_uses_have_debug_off():
    # given: the environment run.sh exports, applied to the settings module it uses
    config = _run_config()
    env = {k: v for k, v in os.environ.items() if k not in UNSET} | {
        "DEBUG": config["DEBUG"], "DJANGO_SETTINGS_MODULE": "thermodynasty.settings.local"}
    # when
    out = subprocess.run([sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
                         cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=60).stdout
    # then
    assert out.strip() == "False"


@pytest.mark.django_db
def test_the_404_page_lists_no_routes(client: Client):
    # when
    response = client.get("/no-such-page/")
    # then
    page = response.content.decode()
    assert response.status_code == 404 and "There is nothing here." in page
    assert "api/v1/" not in page and "URLconf" not in page


@pytest.mark.django_db
def test_the_summary_has_the_port_filled_and_no_password_or_colour_codes(settings):
    # given: the stand-in as run.sh configures it
    settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE = "sk_test_standin", "http://127.0.0.1:12111"
    settings.NEO4J_BOLT_URL = "bolt://neo4j:thermo-neo4j@127.0.0.1:7687"
    out = StringIO()
    # when
    call_command("run_banner", "--port", "8123", "--logs", "/tmp/logs", stdout=out)
    # then
    text = out.getvalue()
    assert "http://127.0.0.1:8123/" in text and "http://helios.localhost:8123/" in text and "<port>" not in text
    assert "thermo-neo4j" not in text and "bolt://" not in text and "\x1b[" not in text
    assert "Payments: TEST MODE, local Stripe stand-in" in text and "Graph mirror: on" in text
    assert text.count("viewer@acme.example") == 1 and "every network interface" not in text


@pytest.mark.django_db
def test_the_summary_warns_when_serving_every_interface():
    # given
    out = StringIO()
    # when
    call_command("run_banner", "--host", "0.0.0.0", stdout=out)
    # then
    assert "other machines can reach it" in out.getvalue()
