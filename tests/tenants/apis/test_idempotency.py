from __future__ import annotations

import json

import pytest

from apps.core.models import IdempotencyRecord
from apps.tenants.models import ApiKey

pytestmark = pytest.mark.django_db


def test_a_replay_answers_the_stored_response_without_the_secret(api):
    # given
    body = {"name": "replayed", "scopes": ["read"]}
    first = api.post("/api/v1/api-keys/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    # when
    second = api.post("/api/v1/api-keys/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    # then: the key is shown once; the replay names it by id and withholds the secret
    assert first.status_code == second.status_code == 201
    assert first.json()["secret"].startswith("td_")
    assert second.json() == {**first.json(), "secret": None}
    assert second["Idempotent-Replayed"] == "true"
    assert second["Idempotent-Secrets-Withheld"] == "secret"
    assert ApiKey.objects.filter(name="replayed").count() == 1


def test_no_stored_response_holds_the_secret(api):
    # when
    secret = api.post("/api/v1/api-keys/", {"name": "s", "scopes": ["read"]}, format="json",
                      HTTP_IDEMPOTENCY_KEY="k-s").json()["secret"]
    # then
    stored = IdempotencyRecord.objects.get(key="k-s")
    assert secret.split("_", 2)[2] not in json.dumps(stored.response_body)
    assert stored.secrets_withheld == ["secret"]


def test_the_same_key_with_another_body_is_a_conflict(api):
    # given
    api.post("/api/v1/api-keys/", {"name": "a", "scopes": ["read"]}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    # when
    response = api.post("/api/v1/api-keys/", {"name": "b", "scopes": ["read"]}, format="json",
                        HTTP_IDEMPOTENCY_KEY="k-2")
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"
    assert ApiKey.objects.filter(name="b").count() == 0


def test_keys_are_scoped_per_tenant(api, other_api):
    # given
    body = {"name": "same", "scopes": ["read"]}
    # when
    mine = api.post("/api/v1/api-keys/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    theirs = other_api.post("/api/v1/api-keys/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    # then
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


def test_a_refused_request_frees_its_key_for_a_corrected_retry(api):
    # given
    first = api.post("/api/v1/api-keys/", {"name": "", "scopes": []}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    # when
    retry = api.post("/api/v1/api-keys/", {"name": "fixed", "scopes": ["read"]}, format="json",
                     HTTP_IDEMPOTENCY_KEY="k-3")
    # then
    assert first.status_code == 400
    assert retry.status_code == 201
