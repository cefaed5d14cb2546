from __future__ import annotations

from django.apps import AppConfig


class BridgeConfig(AppConfig):
    """The bridge for agents and code: the structured query API and the MCP server over the partner API."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.bridge"
    label = "bridge"
