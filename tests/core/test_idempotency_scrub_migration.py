"""Migration core.0002 nulls the secrets that responses stored before the fix kept in plain text."""
from __future__ import annotations

import importlib

import pytest
from django.db import connection

from apps.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db
migration = importlib.import_module("apps.core.migrations.0002_idempotency_lease")


def test_it_nulls_stored_secrets_and_leaves_other_bodies_alone(tenant):
    # given: records as the old code stored them
    leaked = IdempotencyRecord.objects.create(tenant=tenant, key="old", method="POST", path="/api/v1/api-keys/",
                                              request_hash="h", status_code=201, response_body={"id": 1,
                                              "secret": "td_abcd_plaintext"})
    plain = IdempotencyRecord.objects.create(tenant=tenant, key="other", method="POST", path="/api/v1/streams/",
                                             request_hash="h", status_code=201, response_body=[{"secret": "x"}])
    # when
    with connection.cursor() as cursor:
        cursor.execute(migration.SCRUB_STORED_SECRETS)
    # then
    leaked.refresh_from_db()
    plain.refresh_from_db()
    assert leaked.response_body == {"id": 1, "secret": None} and leaked.secrets_withheld == ["secret"]
    assert plain.response_body == [{"secret": "x"}] and plain.secrets_withheld == []
