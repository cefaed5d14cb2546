from __future__ import annotations

from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "apps.marketplace"
    label = "marketplace"

    def ready(self) -> None:
        from apps.marketplace.metrics import marketplace_metrics
        from apps.ops.metrics import metrics_source_register

        metrics_source_register("marketplace", marketplace_metrics)
