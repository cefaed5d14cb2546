"""An MCP call's answer is handed back as soon as the view's response is final, before the call's audit row and
its request's cleanup (request_finished: the database connection closed when CONN_MAX_AGE is 0), as a WSGI client
does not wait for the server's access log; both still run, in the call's worker thread, and a stopping server
waits for them."""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
from django.core import signals
from django.http import HttpResponse, JsonResponse

from apps.bridge import dispatch
from apps.bridge.dispatch import ApiAnswer, ApiCall, api_call
from apps.core.errors import CoreErrorCode
from apps.ops.models import AuditLog
from tests.bridge.conftest import run, start_mcp_server, with_client
from tests.tenants.factories import ApiKeyFactory, TenantFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WAIT_S = 20  # only bounds a hang on broken code; nothing is timed


def _rows(issued: Any) -> int:
    return AuditLog.objects.filter(actor_api_key_id=issued.api_key.pk).count()


def test_api_call_hands_the_answer_over_before_the_audit_row_and_request_finished():
    # given
    issued = ApiKeyFactory.issue(tenant=TenantFactory(slug="answer-first-unit"))
    events: list[str] = []
    handed: list[ApiAnswer] = []

    def finished(**kwargs: Any) -> None:
        events.append(f"finished with {_rows(issued)} row")

    def answered(answer: ApiAnswer) -> None:
        events.append(f"answered with {_rows(issued)} rows")
        handed.append(answer)

    call = ApiCall(method="GET", path="/api/v1/streams/", query={}, body=None,
                   authorization=f"Api-Key {issued.secret}", audit_action="bridge.mcp_tool:streams_list")
    signals.request_finished.connect(finished, dispatch_uid="answer-first-unit")
    # when
    try:
        answer = api_call(call, answered)
    finally:
        signals.request_finished.disconnect(dispatch_uid="answer-first-unit")
    # then: the answer left first, then the row was written, then the request was cleaned up
    assert events == ["answered with 0 rows", "finished with 1 row"] and handed == [answer]
    assert answer.status == 200 and len(answer.data["results"]) == 0


def test_only_an_answer_the_middleware_rewrites_waits_for_it():
    # ErrorShapeMiddleware turns a 5xx that is not JSON into the API's error shape; everything else passes as is
    assert dispatch._final(JsonResponse({"ok": True}))
    assert dispatch._final(JsonResponse({"code": "boom"}, status=500))
    assert dispatch._final(HttpResponse("Not found", status=404))
    assert not dispatch._final(HttpResponse("<h1>Server Error</h1>", status=500))


def test_a_rewritten_answer_is_handed_over_as_the_middleware_left_it(monkeypatch):
    # given: the view fails with an HTML 500, which ErrorShapeMiddleware rewrites on the way out
    issued = ApiKeyFactory.issue(tenant=TenantFactory(slug="answer-first-rewritten"))
    monkeypatch.setattr("apps.signals.apis.StreamListApi.get",
                        lambda self, request: HttpResponse("<h1>Server Error</h1>", status=500))
    handed: list[ApiAnswer] = []
    call = ApiCall(method="GET", path="/api/v1/streams/", query={}, body=None,
                   authorization=f"Api-Key {issued.secret}", audit_action="bridge.mcp_tool:streams_list")
    # when
    answer = api_call(call, handed.append)
    # then: the caller got the API's JSON error, not the page, and the call was audited
    assert handed == [answer] and answer.status == 500 and answer.data["code"] == CoreErrorCode.SERVER_ERROR.value
    assert _rows(issued) == 1


def test_the_mcp_caller_gets_its_answer_while_the_cleanup_still_waits(mcp_url):
    # given: every request's cleanup waits until the caller holds its tool result
    issued = ApiKeyFactory.issue(tenant=TenantFactory(slug="answer-first-live"))
    holds_result, cleaned = threading.Event(), threading.Event()
    waited: list[bool] = []

    def finished(**kwargs: Any) -> None:
        waited.append(holds_result.wait(timeout=WAIT_S))  # False: the caller was kept waiting for the cleanup
        if holds_result.is_set():
            cleaned.set()

    async def call(client: Any) -> Any:
        result = await client.call_tool("streams_list", {"page_size": 5})
        holds_result.set()
        return result

    signals.request_finished.connect(finished, dispatch_uid="answer-first-live")
    # when
    try:
        result = run(with_client(mcp_url, issued.secret, call))
        # then: the cleanup ran after the caller had its answer
        assert cleaned.wait(timeout=WAIT_S)
    finally:
        signals.request_finished.disconnect(dispatch_uid="answer-first-live")
    assert not result.is_error and waited and all(waited)
    rows = AuditLog.objects.filter(actor_api_key_id=issued.api_key.pk, action="bridge.mcp_tool:streams_list")
    assert rows.count() == 1


def test_a_failure_after_the_answer_reaches_the_log_not_the_caller(mcp_url, monkeypatch, caplog):
    # given: the audit row cannot be written
    issued = ApiKeyFactory.issue(tenant=TenantFactory(slug="answer-first-audit-fails"))

    def refuse(**fields: Any) -> None:
        raise RuntimeError("the audit table is gone")

    monkeypatch.setattr(dispatch, "audit_record_alone", refuse)
    # when
    with caplog.at_level(logging.ERROR, logger="apps.bridge.dispatch"):
        result = run(with_client(mcp_url, issued.secret, lambda c: c.call_tool("streams_list", {"page_size": 5})))
    # then: the caller had its answer; the failure is logged with its cause
    assert not result.is_error and result.structured_content["results"] == []
    failures = [r for r in caplog.records if r.name == "apps.bridge.dispatch"]
    assert [r.getMessage() for r in failures] == [
        "the audit row of an answered MCP call (GET /api/v1/streams/) could not be written"]
    assert "the audit table is gone" in str(failures[0].exc_info[1])


def test_a_stopping_server_still_writes_the_rows_of_the_calls_it_answered(monkeypatch):
    # given: a server whose audit rows are held back until after it was told to stop
    issued = ApiKeyFactory.issue(tenant=TenantFactory(slug="answer-first-drain"))
    write = dispatch.audit_record_alone
    stopping = threading.Event()

    def held(**fields: Any) -> None:
        stopping.wait(timeout=WAIT_S)
        time.sleep(1.0)  # the shutdown is under way meanwhile
        write(**fields)

    monkeypatch.setattr(dispatch, "audit_record_alone", held)
    url, server, thread = start_mcp_server()
    # settle=False: the row is held until the stop below, so waiting for it here could only time out
    result = run(with_client(url, issued.secret, lambda c: c.call_tool("streams_list", {"page_size": 5}),
                             settle=False))
    assert not result.is_error and _rows(issued) == 0
    # when
    server.should_exit = True
    stopping.set()
    thread.join(timeout=WAIT_S)
    # then: the server waited for the row before it stopped
    assert not thread.is_alive() and _rows(issued) == 1


def test_the_worker_goes_on_only_after_the_caller_has_taken_its_answer():
    # the worker's audit row and cleanup wait for the event loop's step that writes the answer, so the two threads
    # do not take turns at the interpreter lock on the answer's path
    import asyncio

    from apps.bridge.mcp_server import _resolve

    steps: list[str] = []

    class Written:
        def set(self) -> None:
            steps.append("worker goes on")

    async def main() -> None:
        answered = asyncio.get_running_loop().create_future()

        async def caller() -> None:
            steps.append(f"caller has {await answered}")  # its same step serialises and writes the answer

        task = asyncio.ensure_future(caller())
        await asyncio.sleep(0)
        _resolve(answered, "the answer", Written())
        await task
        await asyncio.sleep(0)

    asyncio.run(main())
    assert steps == ["caller has the answer", "worker goes on"]
