"""Bridge: where the time of one MCP tool call goes, stage by stage, beside the same REST call.

    python benchmarks/bridge_breakdown.py [--calls 100] [--warmup 15] [--conn-max-age SECONDS] [--layout processes]

Serves both apps as benchmarks/bridge.py does (`benchmarks/_bridge_servers.py`: by default each server in its own
child process, which times its own stages and sends them back; `--layout one-process` serves both in the clients'
process, the older harness), wraps the server's stages with perf_counter timers (the session
manager's handling of the HTTP request, the SDK's dispatch and answer writing, the tool handler, the hop to the
worker thread, the in-process REST call until its answer, its database connect, and off the caller's path the
audit row and the request's cleanup) and calls
`streams_list` through the `mcp` SDK's client (2026-07-28) interleaved with the urllib REST peer. Prints the median
of each stage in ms and the thread CPU time of the synchronous stages (which load does not inflate as much), then
one JSON line, which says whether the PostgreSQL server was durable (the audit row's commit depends on it).
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import inspect
import json
import logging
import multiprocessing
import os
import statistics
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import _bridge_servers, _django  # noqa: E402

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
    if "answered" in inspect.signature(dispatch.api_call).parameters:  # the code of session 6 on
        _until_answered(mcp_server)


def _until_answered(mcp_server: Any) -> None:
    # The worker hands its answer back before the audit row and the request's cleanup (session 7; before it, after
    # the row): time the part the caller waits for.
    inner = mcp_server.api_call

    def api_call(call: Any, answered: Callable[[Any], None] | None = None) -> Any:
        start = time.perf_counter()

        def timed(answer: Any) -> None:
            _times["mcp: worker until answered"].append(1000 * (time.perf_counter() - start))
            if answered is not None:
                answered(answer)

        return inner(call, timed)

    mcp_server.api_call = api_call


async def _run(rest: str, mcp_url: str, key: str, calls: int, warmup: int, reset: Callable[[], Any]) -> None:
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
                    reset()  # the servers' own samples, when they run in child processes
                t0 = time.perf_counter()
                await asyncio.to_thread(lambda: urllib.request.urlopen(request).read())
                t1 = time.perf_counter()
                await client.call_tool("streams_list", {"page_size": 20})
                t2 = time.perf_counter()
                _times["rest: client round trip"].append(1000 * (t1 - t0))
                _times["mcp: client round trip"].append(1000 * (t2 - t1))


def _table(med: dict[str, float]) -> list[tuple[str, float]]:
    get = med.get
    # before session 6 the worker answered only after the request's cleanup
    until_answered = get("mcp: worker until answered", get("mcp: in the worker thread", 0.0))
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
         get("mcp: awaiting the worker thread", 0.0) - until_answered),
        ("  worker until its answer (environ, Django to the view's final response, JSON decode)", until_answered),
        ("    of which database connect", get("mcp: database connect", 0.0)),
        ("  after the answer, off the caller's path: the audit row (one round trip)", get("mcp: audit row", 0.0)),
        ("  after the answer: the tenant context's reset and the request's cleanup",
         get("mcp: in the worker thread", 0.0) - until_answered - get("mcp: audit row", 0.0)),
    ]
    return rows


def _child(which: str, conn_max_age: int | None, pipe: Connection) -> None:
    """A server process that times its own stages: "reset" drops what the warm-up recorded, "report" sends the
    samples back, the parent's end closing stops it."""
    _django.setup(migrate=False)
    _bridge_servers.configure(conn_max_age=conn_max_age)
    _instrument()
    from apps.bridge.mcp_server import UVICORN_HTTP, UVICORN_LOOP

    url, _ = (_bridge_servers._rest_server() if which == "rest"
              else _bridge_servers._mcp_server(UVICORN_HTTP, UVICORN_LOOP))
    pipe.send(url)
    while True:
        try:
            message = pipe.recv()
        except EOFError:
            return
        if message == "reset":
            _times.clear()
            _cpu.clear()
            pipe.send("reset")
        else:
            pipe.send((dict(_times), dict(_cpu)))


class _Children:
    """The REST and MCP servers in child processes, as `_bridge_servers.start_servers()` runs them, instrumented."""

    def __init__(self, conn_max_age: int | None) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes: list[Any] = []
        urls: list[str] = []
        for which in ("rest", "mcp"):
            ours, theirs = context.Pipe()
            process = context.Process(target=_child, args=(which, conn_max_age, theirs), daemon=True)
            process.start()
            if not ours.poll(_bridge_servers.START_TIMEOUT_S):
                process.kill()
                raise RuntimeError(f"the {which} server did not start")
            self.pipes.append(ours)
            self.processes.append(process)
            urls.append(ours.recv())
        self.rest, self.mcp = urls

    def ask(self, message: str) -> list[Any]:
        for pipe in self.pipes:
            pipe.send(message)
        return [pipe.recv() for pipe in self.pipes]

    def stop(self) -> None:
        for pipe, process in zip(self.pipes, self.processes, strict=True):
            pipe.close()
            process.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=15)
    parser.add_argument("--conn-max-age", type=int, default=None)
    parser.add_argument("--layout", choices=("processes", "one-process"), default="processes")
    args = parser.parse_args()
    _django.setup()
    from django.conf import settings

    from benchmarks.bridge import _tenant_key

    _bridge_servers.configure(conn_max_age=args.conn_max_age)
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    key, durability = _tenant_key(), _django.durability()
    reset: Callable[[], Any]
    if args.layout == "processes":
        children = _Children(args.conn_max_age)
        rest, mcp_url, reset, stop = children.rest, children.mcp, lambda: children.ask("reset"), children.stop
    else:
        _instrument()
        servers = _bridge_servers.start_servers(conn_max_age=args.conn_max_age, layout="one-process")
        rest, mcp_url, reset, stop = servers.rest, servers.mcp, lambda: None, servers.stop
    load = os.getloadavg()[0]
    asyncio.run(_run(rest, mcp_url, key, args.calls, args.warmup, reset))
    if args.layout == "processes":
        for times, cpu in children.ask("report"):
            _times.update(times)
            _cpu.update(cpu)
    stop()
    # a stage that ran fewer times (a connect with CONN_MAX_AGE > 0) counts as 0 on the calls that skipped it
    med = {k: statistics.median(v + [0.0] * (args.calls - len(v))) for k, v in _times.items()}
    print(f"streams_list, {args.calls} calls, medians in ms, CONN_MAX_AGE="
          f"{settings.DATABASES['default']['CONN_MAX_AGE']}, servers: {args.layout}, PostgreSQL {durability}, "
          f"load average {load:.1f} on {os.cpu_count()} CPUs")
    for label, ms in _table(med):
        print(f"{label:<70}{ms:>8.2f}")
    cpu = {k: statistics.median(v) for k, v in _cpu.items()}
    print("CPU time (thread time, medians in ms): " + ", ".join(
        f"{k} {v:.2f}" for k, v in sorted(cpu.items()) if "connect" not in k))
    print(json.dumps({"benchmark": "bridge_breakdown", "calls": args.calls, "layout": args.layout,
                      "load_average": load, "postgresql": durability, **{k: round(v, 2) for k, v in med.items()},
                      "cpu": {k: round(v, 2) for k, v in cpu.items()}}))


if __name__ == "__main__":
    main()
