"""The MCP server (streamable HTTP, stateless, JSON responses) over the partner API.

Every tool, resource and prompt call is answered by an in-process call of the REST API with the caller's own
`Authorization: Api-Key ...` header (`apps/bridge/dispatch.py`), so scopes, tenant context, row-level security,
rate limits, validation, idempotency and error codes are the REST API's own. Tool calls are audited as
`bridge.mcp_tool:<name>`. Several server processes can run behind a load balancer: nothing is kept between
requests."""
from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    CallToolRequestParams,
    GetPromptRequestParams,
    GetPromptResult,
    ListPromptsResult,
    ListResourcesResult,
    ListToolsResult,
    Prompt,
    PromptArgument,
    PromptMessage,
    ReadResourceRequestParams,
    ReadResourceResult,
    Resource,
    TextContent,
    TextResourceContents,
    Tool,
)
from starlette.applications import Starlette

from apps.bridge.dispatch import ApiAnswer, ApiCall, api_call, path_for
from apps.bridge.prompts import PROMPTS
from apps.bridge.schemas import IDEMPOTENCY_KEY, Operation, operations

VERSION = "1.0.0"
# How uvicorn serves the app (`bridge_serve`, the benchmarks): httptools and uvloop, both pinned in requirements
UVICORN_HTTP, UVICORN_LOOP = "httptools", "uvloop"
UNAUTHENTICATED = -32001  # JSON-RPC server-defined range
logger = logging.getLogger(__name__)

RESOURCES: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    # uri: (name, description, REST path, query)
    "thermo://ontology": ("ontology", "The current ontology: terms with units, formulas and relations.",
                          "/api/v1/dna/ontology/", {}),
    "thermo://templates": ("signal-templates", "Signal templates per industry, with their reasons.",
                           "/api/v1/dna/templates/", {"page_size": 100}),
    "thermo://graph/summary": ("asset-graph-summary", "Your asset graph: assets, links and the mirror's state.",
                               "/api/v1/dna/graph/status/", {}),
}


def _authorization(ctx: Any) -> str:
    request = getattr(ctx, "request", None)
    header = request.headers.get("authorization", "") if request is not None else ""
    if not header.startswith(("Api-Key ", "Bearer ")):
        raise MCPError(UNAUTHENTICATED, "Send your API key as `Authorization: Api-Key td_...`.")
    return header


def _client_address(ctx: Any) -> str:
    request = getattr(ctx, "request", None)
    client = getattr(request, "client", None)
    return client.host if client else "127.0.0.1"


def _request_id(ctx: Any) -> str | None:
    request = getattr(ctx, "request", None)
    return request.headers.get("x-request-id") if request is not None else None


async def _call(ctx: Any, method: str, path: str, query: dict[str, Any] | None = None,
                body: dict[str, Any] | None = None, idempotency_key: str | None = None,
                audit_action: str | None = None) -> ApiAnswer:
    call = ApiCall(method=method, path=path, query=query or {}, body=body, authorization=_authorization(ctx),
                   idempotency_key=idempotency_key, client_address=_client_address(ctx),
                   request_id=_request_id(ctx), audit_action=audit_action)
    # The worker hands the answer back as soon as the view's response is final (dispatch.api_call), so the caller
    # need not wait for the audit row and the request's cleanup; the worker finishes them, holding its thread, in
    # the background.
    loop = asyncio.get_running_loop()
    answered: asyncio.Future[ApiAnswer] = loop.create_future()

    def hand_back(answer: ApiAnswer) -> None:
        # The worker's work after the answer waits until the event loop has written it: in CPython the two threads
        # would otherwise take turns at the interpreter lock on the answer's path (docs/bridge.md, session 7).
        written = threading.Event()
        loop.call_soon_threadsafe(_resolve, answered, answer, written)
        written.wait(timeout=WRITE_WAIT_S)

    worker = loop.run_in_executor(_workers(), api_call, call, hand_back)
    _finishing.add(worker)
    worker.add_done_callback(functools.partial(_finished, answered))
    return await answered


@functools.cache
def _workers() -> ThreadPoolExecutor:
    """The threads Django's synchronous calls run in, as a gthread worker's; its threads are joined at exit, so a
    stopping server still writes the audit rows of the calls it has answered."""
    return ThreadPoolExecutor(max_workers=settings.BRIDGE_WORKER_THREADS, thread_name_prefix="mcp-api")


_finishing: set[asyncio.Future[ApiAnswer]] = set()  # calls whose worker has not finished yet
DRAIN_SECONDS = 30.0  # how long a stopping server waits for answered calls' audit rows and cleanup
WRITE_WAIT_S = 1.0  # bounds a worker's wait for the loop to write its answer (a loop that busy is in trouble)


def calls_in_flight() -> int:
    """Calls whose worker is still busy, answered or not (their audit rows may still be on their way)."""
    return len(_finishing)


async def _drain() -> None:
    if _finishing:
        await asyncio.wait(set(_finishing), timeout=DRAIN_SECONDS)


def _resolve(answered: asyncio.Future[ApiAnswer], answer: ApiAnswer, written: threading.Event) -> None:
    if not answered.done():  # the caller was cancelled meanwhile
        answered.set_result(answer)
    asyncio.get_running_loop().call_soon(written.set)  # after the caller's next step, which writes the answer


def _finished(answered: asyncio.Future[ApiAnswer], worker: asyncio.Future[ApiAnswer]) -> None:
    _finishing.discard(worker)
    if worker.cancelled():  # its executor was shut down before the call ran
        answered.cancel()
        return
    error = worker.exception()
    if error is None:
        return
    if not answered.done():  # failed before its answer: the caller gets the error
        answered.set_exception(error)
    else:  # failed after it (the audit row, the cleanup): nobody else will hear of it
        logger.error("an MCP call failed after its answer was handed back", exc_info=error)


def _tool_result(text: str, structured: dict[str, Any], *, is_error: bool = False) -> dict[str, Any]:
    """A `tools/call` result in its wire shape, both the text and the structured content (the spec's SHOULD).

    A dict, not a `CallToolResult`: the runner validates and dumps every spec result against the negotiated
    version's schema anyway (`serialize_server_result`), so a model built here would walk the REST body twice
    more (its validation, then its `model_dump`) for the same checks. `resultType` is 2026-07-28's required
    field; the handshake-era schema drops it."""
    return {"content": [{"type": "text", "text": text}], "structuredContent": structured, "isError": is_error,
            "resultType": "complete"}


def _error_result(answer: ApiAnswer) -> dict[str, Any]:
    data = answer.data if isinstance(answer.data, dict) else {}
    error = {"status": answer.status, "code": data.get("code", "error"), "message": data.get("message", ""),
             "extra": data.get("extra", {})}
    return _tool_result(json.dumps({"error": error}), {"error": error}, is_error=True)


def _bad_arguments(message: str, fields: dict[str, list[str]]) -> dict[str, Any]:
    return _error_result(ApiAnswer(status=400, headers={},
                                   data={"code": "invalid_arguments", "message": message, "extra": {"fields": fields}}))


def _split(op: Operation, arguments: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    unknown = sorted(set(arguments) - set(op.input_schema["properties"]))
    if unknown:
        raise ValueError(json.dumps({name: ["Unknown argument."] for name in unknown}))
    missing = sorted(n for n in op.path_params if arguments.get(n) in (None, ""))
    if missing:
        raise ValueError(json.dumps({name: ["This argument is required."] for name in missing}))
    path = path_for(op.path, {n: arguments[n] for n in op.path_params})
    query = {n: arguments[n] for n in op.query_params if n in arguments}
    body = {n: arguments[n] for n in op.body_params if n in arguments} if op.method != "GET" else None
    return path, query, body


async def list_tools(ctx: Any, params: Any) -> ListToolsResult:
    # the key must be valid (and within its rate limit) to see the catalogue
    answer = await _call(ctx, "GET", "/api/v1/tenant/")
    if not answer.ok:
        raise MCPError(UNAUTHENTICATED, (answer.data or {}).get("message", "Not authenticated."))
    return ListToolsResult(tools=[Tool(name=name, description=op.spec.description, input_schema=op.input_schema)
                                  for name, op in operations().items()])


async def call_tool(ctx: Any, params: CallToolRequestParams) -> dict[str, Any]:
    op = operations().get(params.name)
    if op is None:
        return _bad_arguments(f"Unknown tool {params.name!r}.", {"name": ["Unknown tool."]})
    arguments = dict(params.arguments or {})
    key = arguments.pop(IDEMPOTENCY_KEY, None) if op.spec.write else None
    try:
        path, query, body = _split(op, arguments)
    except ValueError as exc:
        return _bad_arguments("Some arguments are not valid for this tool.", json.loads(str(exc)))
    answer = await _call(ctx, op.method, path, query, body, idempotency_key=key,
                         audit_action=f"bridge.mcp_tool:{params.name}")
    if not answer.ok:
        return _error_result(answer)
    data = answer.data if answer.data is not None else {}
    structured = data if isinstance(data, dict) else {"results": data}
    return _tool_result(answer.text or json.dumps(data), structured)


async def list_resources(ctx: Any, params: Any) -> ListResourcesResult:
    _authorization(ctx)
    return ListResourcesResult(resources=[Resource(uri=uri, name=name, description=text, mime_type="application/json")
                                          for uri, (name, text, _, _) in RESOURCES.items()])


async def read_resource(ctx: Any, params: ReadResourceRequestParams) -> ReadResourceResult:
    uri = str(params.uri)
    if uri not in RESOURCES:
        raise MCPError(INVALID_PARAMS, f"Unknown resource {uri!r}.", {"uri": uri})
    _, _, path, query = RESOURCES[uri]
    answer = await _call(ctx, "GET", path, query)
    if not answer.ok:
        data = answer.data if isinstance(answer.data, dict) else {}
        raise MCPError(UNAUTHENTICATED if answer.status in (401, 403) else INVALID_PARAMS,
                       data.get("message", "The resource could not be read."), {"code": data.get("code")})
    return ReadResourceResult(contents=[TextResourceContents(uri=uri, text=json.dumps(answer.data),
                                                             mime_type="application/json")])


async def list_prompts(ctx: Any, params: Any) -> ListPromptsResult:
    _authorization(ctx)
    return ListPromptsResult(prompts=[
        Prompt(name=name, description=p.description,
               arguments=[PromptArgument(name=a, description=d, required=True) for a, d in p.arguments.items()])
        for name, p in PROMPTS.items()])


async def get_prompt(ctx: Any, params: GetPromptRequestParams) -> GetPromptResult:
    _authorization(ctx)
    prompt = PROMPTS.get(params.name)
    if prompt is None:
        raise MCPError(INVALID_PARAMS, f"Unknown prompt {params.name!r}.")
    arguments = params.arguments or {}
    missing = [a for a in prompt.arguments if not str(arguments.get(a, "")).strip()]
    if missing:
        raise MCPError(INVALID_PARAMS, f"Missing argument(s): {', '.join(missing)}.")
    text = prompt.template.format(**{a: str(arguments[a]) for a in prompt.arguments})
    return GetPromptResult(description=prompt.description,
                           messages=[PromptMessage(role="user", content=TextContent(type="text", text=text))])


def tool_input_schema(name: str) -> dict[str, Any] | None:
    """A tool's input schema from the static catalogue, for the transport's `Mcp-Param-*` header check.

    Without this lookup the 2026-07-28 transport runs the `tools/list` handler before every `tools/call` to find
    the schema, i.e. a second REST call (and a second rate-limit hit) per tool call. The catalogue is the same
    for every key, so nothing the caller may not see leaks: authorisation still happens in the call itself."""
    op = operations().get(name)
    return op.input_schema if op is not None else None


def build_server() -> Server[Any]:
    server: Server[Any] = Server(
        "thermodynasty", version=VERSION, title="Thermodynasty", get_tool_input_schema=tool_input_schema,
        instructions="Thermodynamic security analytics for your streams, assets and tokens. Start with "
                     "`streams_list`, `alerts_list` or `query`; write tools take an `idempotency_key`.",
        on_list_tools=list_tools, on_list_resources=list_resources, on_read_resource=read_resource,
        on_list_prompts=list_prompts, on_get_prompt=get_prompt)
    # Registered as a plain request handler: its answer is the wire dict (`_tool_result`), which `on_call_tool`'s
    # signature (a `CallToolResult`) does not admit. The params are validated as `on_call_tool`'s would be.
    server.add_request_handler("tools/call", CallToolRequestParams, call_tool)
    return server


def asgi_app(*, allowed_hosts: list[str] | None = None) -> Starlette:
    """The ASGI app serving `/mcp/` (stateless streamable HTTP, JSON answers)."""
    from mcp.server.transport_security import TransportSecuritySettings

    security = TransportSecuritySettings(enable_dns_rebinding_protection=allowed_hosts is not None,
                                         allowed_hosts=allowed_hosts or [], allowed_origins=[])
    operations()  # build the tool schemas once, before the first request
    # The SDK logs every stateless handshake-era request at INFO ("Terminating session: None"): a log line per
    # call is noise, and a write to the log on every call's path.
    logging.getLogger("mcp.server.streamable_http").setLevel(logging.WARNING)
    app = build_server().streamable_http_app(streamable_http_path="/mcp/", stateless_http=True,
                                             json_response=True, transport_security=security)
    serve = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[Any]:
        # The server stops after its last answer was sent; the calls' audit rows come after their answers.
        async with serve(app) as state:
            try:
                yield state
            finally:
                await _drain()

    app.router.lifespan_context = lifespan
    return app
