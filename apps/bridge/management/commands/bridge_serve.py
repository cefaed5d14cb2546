from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the MCP server (streamable HTTP, stateless) at http://HOST:PORT/mcp/."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=settings.BRIDGE_HOST)
        parser.add_argument("--port", type=int, default=settings.BRIDGE_PORT)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        import uvicorn

        from apps.bridge.mcp_server import UVICORN_HTTP, UVICORN_LOOP, asgi_app

        app = asgi_app(allowed_hosts=settings.BRIDGE_ALLOWED_HOSTS or None)
        self.stdout.write(f"MCP server: http://{host}:{port}/mcp/")
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, http=UVICORN_HTTP,
                    loop=UVICORN_LOOP)
