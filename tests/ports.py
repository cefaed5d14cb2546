"""A free loopback port for tests that start a real server (S3 stand-in, MCP, PostgreSQL)."""
from __future__ import annotations

import socket


def free_port() -> int:
    # Bind-and-release: the OS picks an unused port; a tiny window remains before the server binds it.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
