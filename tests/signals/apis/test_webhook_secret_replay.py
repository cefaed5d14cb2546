"""A webhook's signing secret is shown once: an Idempotency-Key replay never shows it again, nor is it stored."""
from __future__ import annotations

import json

import pytest

from apps.core.models import IdempotencyRecord
from apps.signals.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_receivers_allowed(settings):
    # the operator setting that admits a receiver on this machine (refused by default: docs/security.md)
    settings.WEBHOOK_ALLOW_PRIVATE = True


BODY = {"url": "http://127.0.0.1:9/hook", "description": "siem"}


def test_a_replayed_webhook_create_withholds_the_secret(api):
    # given
    first = api.post("/api/v1/webhooks/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="wh-1")
    # when
    replay = api.post("/api/v1/webhooks/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="wh-1")
    # then
    assert first.status_code == replay.status_code == 201
    assert first.json()["secret"].startswith("whsec_")
    assert replay.json() == {**first.json(), "secret": None}
    assert replay["Idempotent-Replayed"] == "true" and replay["Idempotent-Secrets-Withheld"] == "secret"
    assert WebhookEndpoint.objects.filter(description="siem").count() == 1


def test_the_stored_webhook_response_holds_no_secret(api):
    # when
    secret = api.post("/api/v1/webhooks/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="wh-2").json()["secret"]
    # then
    assert secret not in json.dumps(IdempotencyRecord.objects.get(key="wh-2").response_body)
