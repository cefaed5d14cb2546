from __future__ import annotations

from django.apps import AppConfig


class SignalsConfig(AppConfig):
    name = "apps.signals"
    label = "signals"

    def ready(self) -> None:
        from apps.ledger.services.outbox import outbox_register
        from apps.ops.metrics import metrics_source_register
        from apps.signals.metrics import signals_metrics
        from apps.signals.services.webhooks import deliveries_for_ledger_events

        outbox_register("webhooks", deliveries_for_ledger_events)
        metrics_source_register("signals", signals_metrics)
