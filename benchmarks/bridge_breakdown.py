"""Bridge: where the time of one MCP tool call goes, stage by stage, beside the same REST call.

    python benchmarks/bridge_breakdown.py [--calls 100] [--warmup 15] [--conn-max-age SECONDS]

Serves both apps as benchmarks/bridge.py does, wraps the server's stages with perf_counter timers (the session
manager's handling of the HTTP request, the SDK's dispatch and answer writing, the tool handler, the hop to the
worker thread, the in-process REST call, its database connect, the audit row written inside it) and calls
`streams_list` through the `mcp` SDK's client (2026-07-28) interleaved with the urllib REST peer. Prints the median
of each stage in ms and the thread CPU time of the synchronous stages (which load does not inflate as much), then
one JSON line.
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import json
import logging
import os
import statistics
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import _django  # noqa: E402

_times: dict[str, list[float]] = defaultdict(list)
_cpu: dict[str, list[float]] = defaultdict(list)  # thread CPU time of the synchronous stages: load-proof
_side = threading.local()  # "mcp" inside the bridge's worker thread, else the REST server's


def _timed(owner: Any, name: str, label: str, marks_side: bool = False) -> None:
    inner = getattr(owner, name)
    if asyncio.iscoroutinefunction(inner):
        @functools.wraps(inner)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await inner(*args, **kwargs)
            finally:
                _times[label].append(1000 * (time.perf_counter() - start))
    else:
        @functools.wraps(inner)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if marks_side:
                _side.name = "mcp"
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                return inner(*args, **kwargs)
            finally:
                stage = label.format(side=getattr(_side, "name", "rest"))
                _times[stage].append(1000 * (time.perf_counter() - start))
                _cpu[stage].append(1000 * (time.thread_time() - cpu))
                if marks_side:
                    _side.name = "rest"
    setattr(owner, name, wrapper)


def _instrument() -> None:
    from django.core.handlers.base import BaseHandler
    from django.db.backends.base.base import BaseDatabaseWrapper
    from mcp.server import _streamable_http_modern as modern
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

    from apps.bridge import dispatch, mcp_server

    _timed(StreamableHTTPSessionManager, "_handle_request", "mcp: HTTP request in the session manager")
    _timed(modern, "serve_one", "mcp: serve_one")
    _timed(modern, "_write", "mcp: answer written")
    _timed(mcp_server, "call_tool", "mcp: tool handler")
    _timed(mcp_server, "_call", "mcp: awaiting the worker thread")
    _timed(mcp_server, "api_call", "mcp: in the worker thread", marks_side=True)
    _timed(dispatch, "_audit", "mcp: audit row")
    _timed(BaseHandler, "get_response", "{side}: Django get_response")
    _timed(BaseDatabaseWrapper, "connect", "{side}: database connect")


async def _run(rest: str, mcp_url: str, key: str, calls: int, warmup: int) -> None:
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    request = urllib.request.Request(f"{rest}/api/v1/streams/?page_size=20",
                                     headers={"Authorization": f"Api-Key {key}", "Accept": "application/json"})
    async with httpx2.AsyncClient(headers={"Authorization": f"Api-Key {key}"}, timeout=30) as http:
        async with Client(streamable_http_client(mcp_url, http_client=http)) as client:
            for i in range(warmup + calls):
                if i == warmup:
                    _times.clear()
                    _cpu.clear()
                t0 = time.perf_counter()
                await asyncio.to_thread(lambda: urllib.request.urlopen(request).read())
                t1 = time.perf_counter()
                await client.call_tool("streams_list", {"page_size": 20})
                t2 = time.perf_counter()
                _times["rest: client round trip"].append(1000 * (t1 - t0))
                _times["mcp: client round trip"].append(1000 * (t2 - t1))


def _table(med: dict[str, float]) -> list[tuple[str, float]]:
    get = med.get
    rows = [
        ("REST: client round trip (urllib, new TCP connection)", get("rest: client round trip", 0.0)),
        ("  Django get_response", get("rest: Django get_response", 0.0)),
        ("    of which database connect", get("rest: database connect", 0.0)),
        ("MCP: client round trip (mcp SDK client)", get("mcp: client round trip", 0.0)),
        ("  client SDK + HTTP + uvicorn (round trip - session manager)",
         get("mcp: client round trip", 0.0) - get("mcp: HTTP request in the session manager", 0.0)),
        ("  MCP transport in the server (session manager - tool handler)",
         get("mcp: HTTP request in the session manager", 0.0) - get("mcp: tool handler", 0.0)),
        ("    before dispatch (security, body, JSON-RPC parse, header checks)",
         get("mcp: HTTP request in the session manager", 0.0) - get("mcp: serve_one", 0.0)
         - get("mcp: answer written", 0.0)),
        ("    serve_one - tool handler (params, OTel span, result dump)",
         get("mcp: serve_one", 0.0) - get("mcp: tool handler", 0.0)),
        ("    answer written (JSON encode, send)", get("mcp: answer written", 0.0)),
        ("  tool handler outside the REST call (arguments, result)",
         get("mcp: tool handler", 0.0) - get("mcp: awaiting the worker thread", 0.0)),
        ("  hop to the worker thread and back",
         get("mcp: awaiting the worker thread", 0.0) - get("mcp: in the worker thread", 0.0)),
        ("  in-process REST call: Django get_response (less the audit row)",
         get("mcp: Django get_response", 0.0) - get("mcp: audit row", 0.0)),
        ("    of which database connect", get("mcp: database connect", 0.0)),
        ("  audit row bridge.mcp_tool:* (inside get_response)", get("mcp: audit row", 0.0)),
        ("  rest of the worker (environ, JSON decode)",
         get("mcp: in the worker thread", 0.0) - get("mcp: Django get_response", 0.0)),
    ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=15)
    parser.add_argument("--conn-max-age", type=int, default=None)
    args = parser.parse_args()
    _django.setup()
    from django.conf import settings

    from benchmarks.bridge import _serve, _tenant_key

    settings.API_RATE_LIMIT_PER_MINUTE = 10 ** 9
    if args.conn_max_age is not None:
        settings.DATABASES["default"]["CONN_MAX_AGE"] = args.conn_max_age
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    _instrument()
    rest, mcp_url, servers = _serve()
    key = _tenant_key()
    load = os.getloadavg()[0]
    asyncio.run(_run(rest, mcp_url, key, args.calls, args.warmup))
    # a stage that ran fewer times (a connect with CONN_MAX_AGE > 0) counts as 0 on the calls that skipped it
    med = {k: statistics.median(v + [0.0] * (args.calls - len(v))) for k, v in _times.items()}
    print(f"streams_list, {args.calls} calls, medians in ms, CONN_MAX_AGE="
          f"{settings.DATABASES['default']['CONN_MAX_AGE']}, load average {load:.1f} on {os.cpu_count()} CPUs")
    for label, ms in _table(med):
        print(f"{label:<66}{ms:>8.2f}")
    cpu = {k: statistics.median(v) for k, v in _cpu.items()}
    print("CPU time (thread time, medians in ms): " + ", ".join(
        f"{k} {v:.2f}" for k, v in sorted(cpu.items()) if "connect" not in k))
    servers[0].shutdown()
    servers[1].should_exit = True
    print(json.dumps({"benchmark": "bridge_breakdown", "calls": args.calls, "load_average": load,
                      **{k: round(v, 2) for k, v in med.items()},
                      "cpu": {k: round(v, 2) for k, v in cpu.items()}}))


if __name__ == "__main__":
    main()
