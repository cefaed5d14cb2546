from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from apps.tenants.models import ApiKey

pytestmark = pytest.mark.django_db


def _assert_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "extra"}
    assert body["code"] == code
    return body


def test_malformed_json_is_refused(api):
    # when
    response = api.post("/api/v1/api-keys/", data='{"name": "x", ', content_type="application/json")
    # then
    _assert_shape(response, 400, "malformed_json")
    assert ApiKey.objects.filter(name="x").count() == 0


def test_wrong_types_get_field_messages(api):
    # when
    response = api.post("/api/v1/api-keys/", {"name": ["not", "a", "string"], "scopes": "read"}, format="json")
    # then
    body = _assert_shape(response, 400, "validation_error")
    assert set(body["extra"]["fields"]) == {"name", "scopes"}


def test_unknown_fields_are_named(api):
    # when
    response = api.post("/api/v1/api-keys/", {"name": "k", "scopes": ["read"], "admin": True}, format="json")
    # then
    body = _assert_shape(response, 400, "validation_error")
    assert body["extra"]["fields"] == {"admin": ["Unknown field."]}
    assert ApiKey.objects.filter(name="k").count() == 0


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_oversize_bodies_are_refused(api):
    # when
    response = api.post("/api/v1/api-keys/", {"name": "k" * 5000, "scopes": ["read"]}, format="json")
    # then
    _assert_shape(response, 413, "payload_too_large")


def test_a_bad_cursor_is_a_field_error(api):
    # when
    response = api.get("/api/v1/members/?cursor=not-a-cursor")
    # then
    body = _assert_shape(response, 400, "validation_error")
    assert "cursor" in body["extra"]["fields"]


def test_a_bad_page_size_is_a_field_error(api):
    # when
    response = api.get("/api/v1/members/?page_size=-3")
    # then
    body = _assert_shape(response, 400, "validation_error")
    assert "page_size" in body["extra"]["fields"]


@pytest.mark.parametrize("header", ["Api-Key td_nope_nope", "Api-Key garbage", "Bearer td_1234abcd_wrong"])
def test_invalid_keys_are_refused(header):
    # given
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    # when
    response = client.get("/api/v1/tenant/")
    # then
    _assert_shape(response, 401, "invalid_api_key")


def test_a_missing_key_is_refused():
    # when
    response = APIClient().get("/api/v1/tenant/")
    # then
    _assert_shape(response, 401, "not_authenticated")


def test_an_unsupported_method_is_refused(api):
    # when
    response = api.delete("/api/v1/tenant/")
    # then
    _assert_shape(response, 405, "method_not_allowed")


def test_every_response_carries_a_request_id(api):
    # when
    echoed = api.get("/api/v1/tenant/", HTTP_X_REQUEST_ID="partner-req-12345")
    fresh = api.get("/api/v1/tenant/")
    # then
    assert echoed["X-Request-ID"] == "partner-req-12345"
    assert len(fresh["X-Request-ID"]) == 32


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(api, other_api, settings):
    # given
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    for _ in range(3):
        assert api.get("/api/v1/tenant/").status_code == 200
    # when
    limited = api.get("/api/v1/tenant/")
    other = other_api.get("/api/v1/tenant/")
    # then: per key, so another key is unaffected
    _assert_shape(limited, 429, "rate_limited")
    assert 0 < int(limited["Retry-After"]) <= 60
    assert other.status_code == 200
