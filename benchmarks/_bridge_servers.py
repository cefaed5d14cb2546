"""The two servers the bridge benchmarks call: the REST WSGI app and the MCP ASGI app, over the benchmark database.

`start_servers()` runs each in its own child process (spawned, so no connection or thread is inherited), as
production does (gunicorn for REST, uvicorn for `/mcp/`): the benchmark's clients, in the parent, then share no
interpreter lock and no event loop with either server. `layout="one-process"` keeps the older layout (both servers
and the clients in one process) for A/B runs of the harness itself.

    servers = start_servers(conn_max_age=0)
    ... servers.rest, servers.mcp ...  # base URLs: "http://127.0.0.1:PORT", "http://127.0.0.1:PORT/mcp/"
    servers.stop()
"""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any
from wsgiref.simple_server import WSGIServer, make_server

from benchmarks import _django

START_TIMEOUT_S = 120  # a child boots Django first (the parent has migrated the database)


class PooledServer(WSGIServer):
    """Requests run on a fixed pool of threads, as gunicorn's gthread workers do, so a thread's database
    connection outlives one request when CONN_MAX_AGE allows it (a thread per request, as ThreadingMixIn does,
    would always connect afresh)."""

    pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="rest")

    def process_request(self, request: Any, client_address: Any) -> None:
        self.pool.submit(self._serve_one, request, client_address)

    def _serve_one(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - the socketserver way: report and go on
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


@dataclass
class Servers:
    rest: str
    mcp: str
    stoppers: list[Callable[[], None]] = field(default_factory=list)
    pids: dict[str, int] = field(default_factory=dict)  # "rest", "mcp": the child processes (none in one process)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) each server process has used so far: load delays a request's wall time far
        more than the work it does, so A/B runs on a busy machine compare these."""
        tick = os.sysconf("SC_CLK_TCK")
        used = {}
        for name, pid in self.pids.items():
            with open(f"/proc/{pid}/stat") as stat:  # Linux; fields 14 and 15 after the command name
                fields = stat.read().rsplit(")", 1)[1].split()
            used[name] = (int(fields[11]) + int(fields[12])) / tick
        return used

    def stop(self) -> None:
        for stop in self.stoppers:
            stop()


def configure(*, conn_max_age: int | None) -> None:
    """The benchmark's settings, in whichever process serves: latency, not the limiter, is measured."""
    from django.conf import settings

    settings.API_RATE_LIMIT_PER_MINUTE = 10 ** 9
    if conn_max_age is not None:
        settings.DATABASES["default"]["CONN_MAX_AGE"] = conn_max_age


def _rest_server() -> tuple[str, Callable[[], None]]:
    from django.core.wsgi import get_wsgi_application

    from benchmarks.signals import _Quiet

    rest = make_server("127.0.0.1", 0, get_wsgi_application(), server_class=PooledServer, handler_class=_Quiet)
    threading.Thread(target=rest.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{rest.server_port}", rest.shutdown


def _mcp_server(http: str, loop: str) -> tuple[str, Callable[[], None]]:
    import uvicorn

    from apps.bridge.mcp_server import asgi_app

    server = uvicorn.Server(uvicorn.Config(asgi_app(), host="127.0.0.1", port=0, log_level="warning",
                                           access_log=False, http=http, loop=loop))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]

    def stop() -> None:
        server.should_exit = True

    return f"http://127.0.0.1:{port}/mcp/", stop


def _child(which: str, conn_max_age: int | None, http: str, loop: str, pipe: Connection) -> None:
    _django.setup(migrate=False)
    configure(conn_max_age=conn_max_age)
    url, _ = _rest_server() if which == "rest" else _mcp_server(http, loop)
    pipe.send(url)
    try:
        pipe.recv()  # anything, or the parent's end closing, stops the child
    except EOFError:
        pass
    pipe.close()


def _spawn(which: str, conn_max_age: int | None, http: str, loop: str) -> tuple[str, Callable[[], None], int]:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_child, args=(which, conn_max_age, http, loop, theirs), daemon=True,
                              name=f"bench-{which}")
    process.start()
    if not ours.poll(START_TIMEOUT_S):
        process.kill()
        raise RuntimeError(f"the {which} server did not start within {START_TIMEOUT_S} s")
    url: str = ours.recv()

    def stop() -> None:
        ours.close()
        process.join(timeout=10)
        if process.is_alive():
            process.kill()

    assert process.pid is not None
    return url, stop, process.pid


def start_servers(*, conn_max_age: int | None = None, layout: str = "processes", http: str | None = None,
                  loop: str | None = None) -> Servers:
    """Start the REST and MCP servers; the caller has run `_django.setup()` (the database is migrated).

    `http` and `loop` are uvicorn's options for the MCP server; by default what `bridge_serve` runs."""
    from apps.bridge.mcp_server import UVICORN_HTTP, UVICORN_LOOP

    http, loop = http or UVICORN_HTTP, loop or UVICORN_LOOP
    if layout == "one-process":
        configure(conn_max_age=conn_max_age)
        (rest, stop_rest), (mcp, stop_mcp) = _rest_server(), _mcp_server(http, loop)
        return Servers(rest=rest, mcp=mcp, stoppers=[stop_rest, stop_mcp])
    if layout != "processes":
        raise ValueError(f"unknown layout {layout!r}")
    rest, stop_rest, rest_pid = _spawn("rest", conn_max_age, http, loop)
    mcp, stop_mcp, mcp_pid = _spawn("mcp", conn_max_age, http, loop)
    return Servers(rest=rest, mcp=mcp, stoppers=[stop_rest, stop_mcp], pids={"rest": rest_pid, "mcp": mcp_pid})
