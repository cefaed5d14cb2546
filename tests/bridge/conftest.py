from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.ports import free_port
from tests.tenants.factories import ApiKeyFactory


@pytest.fixture
def mcp_url() -> Iterator[str]:
    """The real MCP server (uvicorn, streamable HTTP) on a loopback port, over the test database."""
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
    yield f"http://127.0.0.1:{port}/mcp/"
    server.should_exit = True
    thread.join(timeout=10)


def key_for(tenant: Any, scopes: tuple[str, ...] = ("read", "write", "trade")) -> str:
    return ApiKeyFactory.issue(tenant=tenant, scopes=list(scopes)).secret


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def with_client(url: str, key: str | None, action: Any) -> Any:
    """Connect the `mcp` SDK's own client over HTTP with `key`, then await `action(client)`."""
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Api-Key {key}"} if key else {}
    async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            return await action(client)
