"""Runs one partner-API call in process, through Django's full request handling (middleware, TenantApi, RLS,
throttling, validation, error shape), so an MCP tool has every guarantee the REST endpoint has. The caller's
Authorization header travels unchanged; nothing here decides who may do what."""
from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from django.core import signals
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.http import HttpRequest, HttpResponseBase

from apps.core.actors import Actor
from apps.core.middleware import reshapes
from apps.ops.services import audit_record_alone
from apps.tenants import rls

# A WSGI environ key, not a header: only this module sets it (a client's headers all arrive as HTTP_*).
AUDIT_ACTION = "thermodynasty.bridge.audit_action"
HAND_BACK = "thermodynasty.bridge.hand_back"  # where the innermost stage hands the final answer over
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApiCall:
    method: str
    path: str
    query: dict[str, Any]
    body: dict[str, Any] | None
    authorization: str
    idempotency_key: str | None = None
    client_address: str = "127.0.0.1"
    request_id: str | None = None
    audit_action: str | None = None  # e.g. "bridge.mcp_tool:order_place"


@dataclass(frozen=True)
class ApiAnswer:
    status: int
    data: Any
    headers: dict[str, str]
    text: str = ""  # the body as REST sent it, so a tool's text content need not encode `data` again

    @property
    def ok(self) -> bool:
        return self.status < 400


class _AuditingHandler(WSGIHandler):
    """Django's WSGI handler, handing the answer over and then writing the call's audit row as the view returns.

    That is the innermost stage, still inside TenantMiddleware: the connection is in the key's tenant context
    (TenantApi set it), so the row is one round trip under RLS (`audit_record_alone`: a pipelined INSERT with
    asynchronous commit). Written after the request, it cost five: the context set again, BEGIN, INSERT, COMMIT,
    the context restored. The view's rendered response is already what the client gets (the middleware around it
    adds headers only, but for `_final`), so the answer is handed over first: the caller does not wait for the row,
    the tenant context's reset or the connection's cleanup, as a WSGI client does not wait for an access log."""

    def _get_response(self, request: HttpRequest) -> HttpResponseBase:
        try:
            response = super()._get_response(request)  # type: ignore[misc]  # Django's own, unstubbed
        except Exception as exc:  # noqa: BLE001 - answered as convert_exception_to_response would, and audited
            response = response_for_exception(request, exc)
        hand_back = request.META.get(HAND_BACK)
        if hand_back is None or not _final(response):
            _audit(request, response.status_code)  # a failure here answers the call with an error
            return response
        hand_back(_answer(response))
        try:
            _audit(request, response.status_code)
        except Exception:  # noqa: BLE001 - the caller has its answer: the row's loss goes to the log, loudly
            logger.exception("the audit row of an answered MCP call (%s %s) could not be written",
                             request.method, request.path)
        return response


@functools.cache
def _handler() -> WSGIHandler:
    return _AuditingHandler()


def _environ(call: ApiCall) -> dict[str, Any]:
    raw = b"" if call.body is None else json.dumps(call.body).encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": call.method, "PATH_INFO": call.path, "SCRIPT_NAME": "",
        "QUERY_STRING": urlencode({k: v for k, v in call.query.items() if v is not None}, doseq=True),
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": call.client_address, "HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT": "application/json",
        "HTTP_AUTHORIZATION": call.authorization, "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw), "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(), "wsgi.version": (1, 0), "wsgi.multithread": True,
        "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    if call.audit_action:
        environ[AUDIT_ACTION] = call.audit_action
    if call.idempotency_key:
        environ["HTTP_IDEMPOTENCY_KEY"] = call.idempotency_key
    if call.request_id:
        environ["HTTP_X_REQUEST_ID"] = call.request_id
    return environ


def _audit(request: HttpRequest, status: int) -> None:
    # DRF copies the authenticated key onto the Django request; an unauthenticated call has no tenant to audit.
    action = request.META.get(AUDIT_ACTION)
    api_key = getattr(request, "auth", None)
    tenant_id = getattr(api_key, "tenant_id", None)
    if action is None or api_key is None or tenant_id is None:
        return
    fields: dict[str, Any] = {
        "actor": Actor(api_key_id=api_key.pk, label=f"mcp:api-key:{api_key.prefix}"), "action": action,
        "tenant_id": tenant_id, "object_type": "api_operation",
        "object_id": f"{request.method} {request.path}"[:64], "after": {"status": status}}  # the column's width
    # A refusal before TenantApi knew the tenant (the rate limit) still runs in no tenant's context.
    scope = contextlib.nullcontext() if rls.in_tenant_context(tenant_id) else rls.tenant_scope(tenant_id)
    with scope:
        audit_record_alone(**fields)


def api_call(call: ApiCall, answered: Callable[[ApiAnswer], None] | None = None) -> ApiAnswer:
    """Answer of the REST operation `call` describes. Blocking: run it in a worker thread from async code.

    `answered`, when given, receives the answer as soon as the view's response is final, before the call's audit
    row, the middleware's way out (the tenant context reset: a round trip) and the request's cleanup
    (`request_finished`: the database connection closed when CONN_MAX_AGE is 0). All of them still run in this
    thread before it returns, so the thread takes no other call until they are done. A row that cannot be written
    after the answer has gone is logged as an error; without `answered` it is written first, and its failure
    answers the call with an error."""
    environ = _environ(call)
    handed: list[ApiAnswer] = []
    if answered is not None:
        def hand_back(answer: ApiAnswer) -> None:
            handed.append(answer)
            answered(answer)

        environ[HAND_BACK] = hand_back
    request = WSGIRequest(environ)
    signals.request_started.send(sender=WSGIHandler, environ=environ)
    response = None
    try:
        response = _handler().get_response(request)
        if handed:
            answer = handed[0]
        else:
            answer = _answer(response)
            if answered is not None:
                answered(answer)
    finally:
        if response is not None:
            response.close()  # sends request_finished: connections are returned as after any request
        else:
            signals.request_finished.send(sender=WSGIHandler)
    return answer


def _final(response: HttpResponseBase) -> bool:
    """Whether the middleware around the view passes this response's status and body on unchanged: of ours only
    ErrorShapeMiddleware rewrites one (`reshapes`); Django's add headers and cookies. (CommonMiddleware would turn a
    404 for a path without its trailing slash into a redirect; a tool's path always has it.)"""
    return not reshapes(response)


def _answer(response: HttpResponseBase) -> ApiAnswer:
    body = response.getvalue()  # content, or a streaming response's joined content
    try:
        data, text = (json.loads(body), body.decode()) if body else (None, "")
    except ValueError:  # a UnicodeDecodeError too
        text = ""
        data = {"code": "not_json", "message": "The API answered with something other than JSON.", "extra": {}}
    return ApiAnswer(status=response.status_code, data=data, headers={k: v for k, v in response.items()}, text=text)


def path_for(template: str, values: dict[str, Any]) -> str:
    """Fill `{name}` segments of an OpenAPI path, URL-quoted."""
    path = template
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    return path
