"""An MCP call's answer is handed back before its request's cleanup (request_finished: the database connection
closed when CONN_MAX_AGE is 0), as a WSGI server writes the body before it closes the response; the cleanup
still runs, in the call's worker thread."""
from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core import signals

from apps.bridge.dispatch import ApiAnswer, ApiCall, api_call
from apps.ops.models import AuditLog
from tests.bridge.conftest import run, with_client
from tests.tenants.factories import ApiKeyFactory, TenantFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WAIT_S = 20  # only bounds a hang on broken code; nothing is timed


def test_api_call_hands_the_answer_over_before_request_finished():
    # given
    issued = ApiKeyFactory.issue(tenant=TenantFactory(slug="answer-first-unit"))
    events: list[str] = []
    handed: list[ApiAnswer] = []

    def finished(**kwargs: Any) -> None:
        events.append("finished")

    def answered(answer: ApiAnswer) -> None:
        events.append("answered")
        handed.append(answer)

    call = ApiCall(method="GET", path="/api/v1/streams/", query={}, body=None,
                   authorization=f"Api-Key {issued.secret}", audit_action="bridge.mcp_tool:streams_list")
    signals.request_finished.connect(finished, dispatch_uid="answer-first-unit")
    # when
    try:
        answer = api_call(call, answered)
    finally:
        signals.request_finished.disconnect(dispatch_uid="answer-first-unit")
    # then: the row was written before the answer left, the cleanup after it
    assert events == ["answered", "finished"] and handed == [answer] and answer.status == 200
    assert AuditLog.objects.filter(actor_api_key_id=issued.api_key.pk).count() == 1


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
