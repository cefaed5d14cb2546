from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.portal.pages.common import tenant_page

KEY_PLACEHOLDER = "td_xxxx_yyyy"


def _configs(mcp_url: str) -> list[tuple[str, str, str]]:
    """(client, where it goes, text) for the common MCP clients, with a placeholder where the key goes."""
    header = {"Authorization": f"Api-Key {KEY_PLACEHOLDER}"}
    generic = {"mcpServers": {"thermodynasty": {"type": "http", "url": mcp_url, "headers": header}}}
    vscode = {"servers": {"thermodynasty": {"type": "http", "url": mcp_url, "headers": header}}}
    return [
        ("Claude Code", "run in a terminal",
         f"claude mcp add --transport http thermodynasty {mcp_url} "
         f'--header "Authorization: Api-Key {KEY_PLACEHOLDER}"'),
        ("Claude Desktop, Cursor and other clients with an mcpServers file", "add to the client's MCP configuration",
         json.dumps(generic, indent=2)),
        ("VS Code", ".vscode/mcp.json", json.dumps(vscode, indent=2)),
    ]


@tenant_page()
def integrations(request: HttpRequest) -> HttpResponse:
    mcp_url = settings.BRIDGE_PUBLIC_URL
    api_url = request.build_absolute_uri("/").rstrip("/")
    first_call = (f'from thermodynasty_sdk import Client\n\nclient = Client("{api_url}", api_key="{KEY_PLACEHOLDER}")\n'
                  'for stream in client.iter_streams_list():\n    print(stream["name"], stream["last_score"])')
    return render(request, "portal/integrations.html", {
        "mcp_url": mcp_url, "configs": _configs(mcp_url), "api_url": api_url, "first_call": first_call,
        "sdk_install": "pip install ./sdk/python   # thermodynasty-sdk, from the Thermodynasty checkout",
    })
