from __future__ import annotations

from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "apps.ledger"
    label = "ledger"

    def ready(self) -> None:
        from apps.ledger.metrics import ledger_metrics
        from apps.ops.metrics import metrics_source_register

        metrics_source_register("ledger", ledger_metrics)
