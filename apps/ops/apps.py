from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "apps.ops"
    label = "ops"
    verbose_name = "Back office"

    def ready(self) -> None:
        from apps.ops.carbon import checks  # noqa: F401  (registers the OPS_CARBON_PROVIDERS check)
