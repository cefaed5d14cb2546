"""Bridge: latency of the same read through REST, the Python SDK and the MCP server, in one run.

    python benchmarks/bridge.py [--calls 150] [--warmup 20] [--conn-max-age SECONDS] [--layout processes]
                                [--http httptools] [--loop uvloop]

Serves the real WSGI app (loopback, a fixed pool of threads as gunicorn's gthread workers have, so persistent
database connections behave as deployed) and the MCP server (uvicorn, loopback) over the benchmark database, each
in its own child process as deployed (`benchmarks/_bridge_servers.py`; `--layout one-process` runs both servers
beside the clients, the harness before session 6). Creates a tenant with a key and 20 streams, then times
`GET /api/v1/streams/?page_size=20` five ways, interleaved call by call so machine noise hits all of them alike (each
round starts one path later, so no path always follows the same neighbour):
a plain urllib request (the peer), the SDK's `streams_list`, and the MCP tool `streams_list` three ways: the `mcp`
SDK client's own `tools/call` request sent by urllib exactly as the peer sends REST's (a new connection, the answer
read and JSON-decoded: only the protocol and the server differ), and through the `mcp` SDK's own client on one
connection, once as a 2026-07-28 client (one self-contained POST per call) and once as a handshake-era client
(`initialize` first, then the stateless legacy transport). Each path's client CPU (this process's, the servers
run in others) is printed beside it, so the `mcp` client's own share is read off the same run. The goal's two
readings both get a verdict: the same client as REST, and the `mcp` SDK's client. `--conn-max-age` sets
CONN_MAX_AGE for both servers
(default: the settings' value; production's default is 60); `--http` and `--loop` pick uvicorn's HTTP parser and
event loop for the MCP server (default httptools and uvloop, what `bridge_serve` runs; before session 7 h11 and
asyncio).
Reports p50/p99 in ms, the ratios to REST and the load average around the run; the goal is MCP
p50 <= 1.2x REST. Last line: one JSON object.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import _django  # noqa: E402
from benchmarks._bridge_servers import Servers, start_servers  # noqa: E402
from benchmarks.signals import _percentile  # noqa: E402

LABELS = {"rest": "REST (urllib, the peer)", "sdk": "Python SDK", "mcp_urllib": "MCP tool (urllib, as the peer)",
          "mcp": "MCP tool (mcp SDK, 2026-07-28)", "mcp_legacy": "MCP tool (mcp SDK, handshake-era)"}
SDK_CLIENT_PATHS = ("mcp", "mcp_legacy")


def _tenant_key() -> str:
    from apps.core.actors import Actor
    from apps.signals.models import Stream
    from apps.tenants.models import Tenant
    from apps.tenants.services import api_key_create

    tenant, _ = Tenant.objects.get_or_create(slug="bench-bridge",
                                             defaults={"name": "Bench bridge", "kind": "enterprise"})
    for i in range(20 - Stream.objects.filter(tenant=tenant).count()):
        Stream.objects.create(tenant=tenant, name=f"bench-{time.time_ns()}-{i}")
    return api_key_create(actor=Actor.system("bench"), tenant=tenant, name="bench", scopes=["read"]).secret


async def _measure(servers: Servers, key: str, calls: int,
                   warmup: int) -> tuple[dict[str, list[float]], dict[str, float], dict[str, float]]:
    rest, mcp_url = servers.rest, servers.mcp
    import httpx2
    from mcp import Client as McpClient
    from mcp.client.streamable_http import streamable_http_client
    from thermodynasty_sdk import Client

    sdk = Client(rest, api_key=key)
    request = urllib.request.Request(f"{rest}/api/v1/streams/?page_size=20",
                                     headers={"Authorization": f"Api-Key {key}", "Accept": "application/json"})
    headers = {"Authorization": f"Api-Key {key}"}
    times: dict[str, list[float]] = {name: [] for name in LABELS}
    client_cpu: dict[str, float] = dict.fromkeys(LABELS, 0.0)  # this process's CPU: the servers run in others
    sent: dict[str, Any] = {}  # the SDK client's own tools/call request, sent again by urllib

    async def capture(request: Any) -> None:
        if "request" not in sent and b'"tools/call"' in request.content:
            # urllib sets its own Host, Content-Length and Connection, and asks for no compression, as for REST
            own = {"host", "content-length", "connection", "accept-encoding"}
            sent["request"] = urllib.request.Request(
                mcp_url, data=request.content, method="POST",
                headers={k: v for k, v in request.headers.items() if k not in own})

    async with httpx2.AsyncClient(headers=headers, timeout=30, event_hooks={"request": [capture]}) as http, \
            httpx2.AsyncClient(headers=headers, timeout=30) as legacy_http:
        async with McpClient(streamable_http_client(mcp_url, http_client=http)) as client, \
                McpClient(streamable_http_client(mcp_url, http_client=legacy_http), mode="legacy") as legacy:
            async def rest_call() -> None:
                await asyncio.to_thread(lambda: urllib.request.urlopen(request).read())

            async def sdk_call() -> None:
                await asyncio.to_thread(sdk.streams_list, page_size=20)

            async def mcp_call() -> None:
                result = await client.call_tool("streams_list", {"page_size": 20})
                assert not result.is_error and len(result.structured_content["results"]) == 20

            async def legacy_call() -> None:
                result = await legacy.call_tool("streams_list", {"page_size": 20})
                assert not result.is_error and len(result.structured_content["results"]) == 20

            async def urllib_call() -> None:
                # The modern client's own request (captured on its first call), sent as the peer sends REST's: a
                # new connection, the answer read and decoded. Only the protocol and the server differ.
                if "request" not in sent:
                    await mcp_call()
                answer = json.loads(await asyncio.to_thread(lambda: urllib.request.urlopen(sent["request"]).read()))
                assert len(answer["result"]["structuredContent"]["results"]) == 20

            paths = [("rest", rest_call), ("sdk", sdk_call), ("mcp_urllib", urllib_call), ("mcp", mcp_call),
                     ("mcp_legacy", legacy_call)]
            for i in range(warmup + calls):
                if i == warmup:
                    cpu_before = servers.cpu_seconds()
                # Each round starts one path later: on 2 cores a call absorbs the tail of the one before it (the
                # other server closing its database connection, PostgreSQL ending that backend), so a fixed order
                # would charge one path's tail to the same neighbour every time.
                for name, call in paths[i % len(paths):] + paths[:i % len(paths)]:
                    t0, c0 = time.perf_counter(), time.process_time()
                    await call()
                    if i >= warmup:
                        times[name].append(1000 * (time.perf_counter() - t0))
                        client_cpu[name] += time.process_time() - c0
    cpu_after = servers.cpu_seconds()
    server_cpu = {name: used - cpu_before[name] for name, used in cpu_after.items()}
    return times, server_cpu, {name: round(1000 * used / calls, 2) for name, used in client_cpu.items()}


def _figures(times: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    figures = {name: {"p50_ms": round(statistics.median(v), 2), "p99_ms": round(_percentile(v, 0.99), 2)}
               for name, v in times.items()}
    for name in ("sdk", "mcp_urllib", "mcp", "mcp_legacy"):
        figures[name]["p50_vs_rest"] = round(figures[name]["p50_ms"] / figures["rest"]["p50_ms"], 2)
        figures[name]["p99_vs_rest"] = round(figures[name]["p99_ms"] / figures["rest"]["p99_ms"], 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=150)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--conn-max-age", type=int, default=None)
    parser.add_argument("--layout", choices=("processes", "one-process"), default="processes",
                        help="processes: each server in its own child process, the clients here (as deployed); "
                             "one-process: both servers and the clients in this process (the old harness)")
    # Defaults (None): what `bridge_serve` runs (apps.bridge.mcp_server.UVICORN_HTTP, UVICORN_LOOP).
    parser.add_argument("--http", choices=("auto", "h11", "httptools"), default=None,
                        help="uvicorn's HTTP parser for the MCP server (default: bridge_serve's, httptools)")
    parser.add_argument("--loop", choices=("auto", "asyncio", "uvloop"), default=None,
                        help="uvicorn's event loop for the MCP server (default: bridge_serve's, uvloop)")
    args = parser.parse_args()
    _django.setup()
    from apps.bridge.mcp_server import UVICORN_HTTP, UVICORN_LOOP

    args.http, args.loop = args.http or UVICORN_HTTP, args.loop or UVICORN_LOOP
    from django.conf import settings

    # A partner's client does not log every request at INFO; urllib (the peer) does not either.
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    servers = start_servers(conn_max_age=args.conn_max_age, layout=args.layout, http=args.http, loop=args.loop)
    key = _tenant_key()
    load_before = os.getloadavg()[0]
    times, cpu, client_cpu = asyncio.run(_measure(servers, key, args.calls, args.warmup))
    load_after = os.getloadavg()[0]
    servers.stop()
    figures = _figures(times)
    conn_max_age = settings.DATABASES["default"]["CONN_MAX_AGE"] if args.conn_max_age is None else args.conn_max_age
    print(f"GET /api/v1/streams/?page_size=20, {args.calls} calls each, interleaved ({args.warmup} warm-up), "
          f"CONN_MAX_AGE={conn_max_age}, servers: {args.layout}, uvicorn --http {args.http} --loop {args.loop}, "
          f"load average {load_before:.1f} -> {load_after:.1f} on {os.cpu_count()} CPUs")
    print(f"{'path':<36}{'p50 ms':>9}{'p99 ms':>9}{'p50 / REST':>12}{'p99 / REST':>12}{'client CPU ms':>15}")
    for name, row in figures.items():
        print(f"{LABELS[name]:<36}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}"
              f"{row.get('p50_vs_rest', 1.0):>12.2f}{row.get('p99_vs_rest', 1.0):>12.2f}{client_cpu[name]:>15.2f}")
    # The REST process served the urllib and SDK calls, the MCP process the three MCP ones (the handshake-era
    # client's `initialize` was before the timed calls).
    cpu_per_call = {"rest": round(1000 * cpu["rest"] / (2 * args.calls), 2),
                    "mcp": round(1000 * cpu["mcp"] / (3 * args.calls), 2)} if cpu else {}
    if cpu_per_call:
        print(f"server CPU per call served (user+system, the whole process): REST {cpu_per_call['rest']:.2f} ms, "
              f"MCP {cpu_per_call['mcp']:.2f} ms ({cpu_per_call['mcp'] / cpu_per_call['rest']:.2f}x)")
    # Two readings of "the MCP overhead is <= 1.2x the REST call": what the protocol and our server add (the same
    # client on both sides), and what a Python agent on the `mcp` SDK's client sees (that client's own CPU
    # included: the last column, this process's CPU per call, against urllib's for the same request).
    goal = {"same_client": figures["mcp_urllib"]["p50_vs_rest"] <= 1.2,
            "mcp_sdk_client": all(figures[name]["p50_vs_rest"] <= 1.2 for name in SDK_CLIENT_PATHS)}
    print(f"MCP overhead goal (p50 <= 1.2x REST): the same client as REST (urllib) "
          f"{figures['mcp_urllib']['p50_vs_rest']:.2f}x, {'met' if goal['same_client'] else 'missed'}; "
          f"the mcp SDK's client {figures['mcp']['p50_vs_rest']:.2f}x / {figures['mcp_legacy']['p50_vs_rest']:.2f}x, "
          f"{'met' if goal['mcp_sdk_client'] else 'missed'}")
    print(json.dumps({"benchmark": "bridge", "calls": args.calls, "conn_max_age": conn_max_age,
                      "layout": args.layout, "uvicorn": {"http": args.http, "loop": args.loop},
                      "server_cpu_ms_per_call": cpu_per_call, "client_cpu_ms_per_call": client_cpu,
                      "load_average": [load_before, load_after], **figures, "mcp_goal_met": goal}))


if __name__ == "__main__":
    main()
