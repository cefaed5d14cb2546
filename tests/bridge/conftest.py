from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.ports import free_port
from tests.tenants.factories import ApiKeyFactory


def start_mcp_server() -> tuple[str, Any, threading.Thread]:
    """The real MCP server (uvicorn, streamable HTTP) on a loopback port, over the test database: its URL, the
    uvicorn server (set `should_exit` to stop it) and the thread it serves in."""
    import uvicorn

    from apps.bridge.mcp_server import asgi_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(asgi_app(), host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the MCP server did not start")
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}/mcp/", server, thread


@pytest.fixture
def mcp_url() -> Iterator[str]:
    url, server, thread = start_mcp_server()
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def key_for(tenant: Any, scopes: tuple[str, ...] = ("read", "write", "trade")) -> str:
    return ApiKeyFactory.issue(tenant=tenant, scopes=list(scopes)).secret


def run(coro: Any) -> Any:
    return asyncio.run(coro)


SETTLE_S = 20  # only bounds a hang on broken code; nothing is timed


async def settled() -> None:
    """Wait until the in-process server's calls have finished their work after their answers (audit rows)."""
    from apps.bridge.mcp_server import calls_in_flight

    deadline = time.monotonic() + SETTLE_S
    while calls_in_flight() and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    assert not calls_in_flight(), "the MCP server's calls did not finish"


async def with_client(url: str, key: str | None, action: Any, *, settle: bool = True) -> Any:
    """Connect the `mcp` SDK's own client over HTTP with `key`, then await `action(client)`, and (unless `settle` is
    False) wait until the server has finished the calls' work after their answers (their audit rows), so a test can
    read them."""
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Api-Key {key}"} if key else {}
    async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            result = await action(client)
    if settle:
        await settled()
    return result
