"""The error seam: every API failure answers {code, message, extra}; expected refusals carry their own code,
anything unexpected answers 500 (503 for an outage) with the request id and without internals; portal pages show
a plain page. Issue #16 finding 4 and issue #18 "The house" item 2."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.test import Client
from rest_framework.test import APIRequestFactory

from apps.core.errors import ApplicationError, NotFoundError
from apps.core.exception_handlers import api_exception_handler
from apps.signals.models import Stream
from tests.signals.factories import make_stream

APPS = Path(__file__).resolve().parents[2] / "apps"
RAISING = {"ApplicationError", "ConflictError"}


def _handled(exc: Exception) -> Any:
    request = APIRequestFactory().get("/api/v1/x/")
    request.request_id = "req-0123456789"
    return api_exception_handler(exc, {"request": request})


def _client() -> Client:
    return Client(raise_request_exception=False)


def test_an_application_error_keeps_its_code_status_and_extra():
    # when
    response = _handled(ApplicationError("Too hot.", code="too_hot", status=409, extra={"limit": 3}))

    # then
    assert response.status_code == 409
    assert response.data == {"code": "too_hot", "message": "Too hot.", "extra": {"limit": 3}}


def test_a_coded_not_found_keeps_its_message():
    # when
    response = _handled(NotFoundError("No such stream.", code="unknown_stream"))

    # then
    assert response.status_code == 404
    assert response.data == {"code": "unknown_stream", "message": "No such stream.", "extra": {}}


def test_a_bare_object_does_not_exist_is_a_bug_not_a_404():
    # when
    response = _handled(Stream.DoesNotExist("leaked lookup"))

    # then
    assert response.status_code == 500
    assert response.data == {"code": "server_error", "message": "Internal server error.",
                             "extra": {"request_id": "req-0123456789"}}


def test_an_unexpected_error_answers_500_without_its_text():
    # when
    response = _handled(RuntimeError("password=hunter2"))

    # then
    assert response.status_code == 500 and "hunter2" not in str(response.data)
    assert response.data["extra"]["request_id"] == "req-0123456789"


def test_an_unreachable_database_answers_503():
    # given
    import psycopg

    try:
        psycopg.connect(host="127.0.0.1", port=1, connect_timeout=2)
    except psycopg.OperationalError as exc:
        outage = exc

    # when
    response = _handled(outage)

    # then
    assert response.status_code == 503
    assert response.data["code"] == "service_unavailable"


def test_django_validation_errors_and_404s_take_the_shape():
    # when
    invalid = _handled(DjangoValidationError({"name": ["Too long."]}))
    missing = _handled(Http404("internal detail"))

    # then
    assert invalid.status_code == 400
    assert invalid.data == {"code": "validation_error", "message": "Invalid input.",
                            "extra": {"fields": {"name": ["Too long."]}}}
    assert missing.status_code == 404 and missing.data["code"] == "not_found"


@pytest.mark.django_db
def test_a_missing_and_a_foreign_stream_answer_the_same_coded_404(api, other_tenant):
    # given
    theirs = make_stream(other_tenant)

    # when
    foreign = api.get(f"/api/v1/streams/{theirs.pk}/")
    missing = api.get(f"/api/v1/streams/{theirs.pk + 1000}/")

    # then
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json() == {"code": "not_found", "message": "No such stream.", "extra": {}}


@pytest.mark.django_db
def test_a_selector_404_is_also_the_models_does_not_exist(tenant):
    # given
    from apps.signals.selectors import stream_get

    # when
    with pytest.raises(Stream.DoesNotExist) as raised:
        stream_get(tenant=tenant, stream_id=10**12)

    # then: portal pages and tasks catching Stream.DoesNotExist keep working
    assert isinstance(raised.value, NotFoundError) and isinstance(raised.value, ObjectDoesNotExist)


@pytest.mark.django_db
@pytest.mark.urls("tests.core.failing_urls")
@pytest.mark.parametrize(("path", "status", "code"), [
    ("/api/v1/test-boom/", 500, "server_error"), ("/api/v1/test-outage/", 503, "service_unavailable"),
    ("/api/v1/test-plain-boom/", 500, "server_error"), ("/api/v1/test-plain-outage/", 503, "service_unavailable"),
])
def test_api_failures_answer_json_with_a_request_id(path, status, code):
    # when
    response = _client().get(path, HTTP_X_REQUEST_ID="req-abcdef123456")

    # then
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == code and response.json()["extra"] == {"request_id": "req-abcdef123456"}
    assert "secret" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls("tests.core.failing_urls")
def test_a_bare_does_not_exist_in_an_api_is_a_500(client):
    # when
    response = _client().post("/api/v1/test-boom/")

    # then
    assert response.status_code == 500 and response.json()["code"] == "server_error"


@pytest.mark.django_db
@pytest.mark.urls("tests.core.failing_urls")
def test_even_debug_mode_never_answers_html_on_the_api(settings):
    # given
    settings.DEBUG = True

    # when
    response = _client().get("/api/v1/test-plain-boom/")

    # then
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert "Traceback" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls("tests.core.failing_urls")
@pytest.mark.parametrize(("path", "status", "title"), [("/test-portal-boom/", 500, "Something went wrong"),
                                                       ("/test-portal-outage/", 503, "Temporarily unavailable")])
def test_portal_failures_show_a_plain_page(path, status, title):
    # when
    response = _client().get(path, HTTP_X_REQUEST_ID="req-abcdef123456")

    # then
    page = response.content.decode()
    assert response.status_code == status and response["Content-Type"].startswith("text/html")
    assert title in page and "req-abcdef123456" in page
    assert "Traceback" not in page and "secret" not in page


def _codeless_raises() -> list[str]:
    found = []
    for path in APPS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in RAISING \
                    and not any(k.arg == "code" for k in node.keywords):
                found.append(f"{path.relative_to(APPS)}:{node.lineno}")
    return found


def test_every_application_error_names_its_code():
    # then
    assert _codeless_raises() == []
