from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_it_shows_the_mcp_endpoint_client_configs_and_the_sdk(tenant, make_member, settings):
    # given
    settings.BRIDGE_PUBLIC_URL = "https://mcp.example.com/mcp/"
    client = Client()
    client.force_login(make_member(tenant, role="viewer"))
    # when
    page = client.get("/integrations/")
    # then
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="mcp-url"' in html
    assert "https://mcp.example.com/mcp/" in html and "claude mcp add --transport http" in html
    generic = html.split('data-testid="mcp-config"')[2].split(">", 1)[1].split("</pre>")[0]
    config = json.loads(generic.replace("&quot;", '"'))
    assert config["mcpServers"]["thermodynasty"]["url"] == "https://mcp.example.com/mcp/"
    assert "pip install ./sdk/python" in html and "iter_streams_list" in html


def test_it_needs_sign_in():
    # when
    response = Client().get("/integrations/")
    # then
    assert response.status_code == 302 and response["Location"].startswith("/login/")
