"""A request process killed for real (SIGKILL, as the OOM killer or a supervisor would) while it holds an
Idempotency-Key, against the real PostgreSQL. Whatever the moment, the key never stays stuck at 409: if the work
committed, its stored response is replayed; if it did not, the claim is taken over once its lease has run out."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.models import IdempotencyRecord
from apps.tenants.models import ApiKey

pytestmark = [pytest.mark.integration, pytest.mark.slow,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ROOT = Path(__file__).resolve().parents[2]
BODY = {"name": "crash-test", "scopes": ["read"]}
# The child serves one POST with the Django test client and SIGKILLs itself: "mid" right after the work's audit row
# (inside its transaction), "after" once that transaction has committed.
CHILD = """
import os, signal, sys
import django
django.setup()
from django.db import transaction
from rest_framework.test import APIClient
import apps.tenants.services as tenant_services

moment, secret, key = sys.argv[1:4]
audit_record = tenant_services.audit_record

def audit_then_die(**kwargs):
    row = audit_record(**kwargs)
    die = lambda: os.kill(os.getpid(), signal.SIGKILL)
    die() if moment == "mid" else transaction.on_commit(die)
    return row

tenant_services.audit_record = audit_then_die
client = APIClient()
client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
client.post("/api/v1/api-keys/", {"name": "crash-test", "scopes": ["read"]}, format="json", HTTP_IDEMPOTENCY_KEY=key)
sys.exit(3)
"""


def _database_url() -> str:
    db = connection.settings_dict
    assert db["NAME"].startswith("test_"), "the child must never touch a non-test database"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _kill_mid_request(client: APIClient, moment: str, key: str) -> None:
    secret = client._credentials["HTTP_AUTHORIZATION"].split(" ", 1)[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "thermodynasty.settings.test", "DATABASE_URL": _database_url(),
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CHILD, moment, secret, key], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]


def test_a_request_killed_after_its_commit_replays_its_stored_response(api: APIClient, tenant: Any):
    # given
    _kill_mid_request(api, "after", "crash-after")
    # when
    retry = api.post("/api/v1/api-keys/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="crash-after")
    # then: the committed key is answered, once, without its secret
    assert retry.status_code == 201, retry.json()
    assert retry["Idempotent-Replayed"] == "true" and retry.json()["secret"] is None
    assert list(ApiKey.objects.filter(name="crash-test").values_list("pk", flat=True)) == [retry.json()["id"]]


def test_a_request_killed_before_its_commit_is_taken_over_after_its_lease(api: APIClient, tenant: Any):
    # given: the work died with the process; its claim is left behind
    _kill_mid_request(api, "mid", "crash-mid")
    claim = IdempotencyRecord.objects.get(key="crash-mid")
    assert claim.completed_at is None and not ApiKey.objects.filter(name="crash-test").exists()
    during_lease = api.post("/api/v1/api-keys/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="crash-mid")
    # when: the lease runs out
    IdempotencyRecord.objects.filter(pk=claim.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    retry = api.post("/api/v1/api-keys/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="crash-mid")
    replay = api.post("/api/v1/api-keys/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="crash-mid")
    # then
    assert during_lease.status_code == 409 and during_lease.json()["code"] == "idempotency_in_progress"
    assert retry.status_code == 201 and retry.json()["secret"].startswith("td_")
    assert replay["Idempotent-Replayed"] == "true" and replay.json()["id"] == retry.json()["id"]
    assert ApiKey.objects.filter(name="crash-test").count() == 1
