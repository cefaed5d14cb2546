from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "apps.ops"
    label = "ops"
    verbose_name = "Back office"

    def ready(self) -> None:
        from apps.ops.carbon import checks  # noqa: F401  (registers the OPS_CARBON_PROVIDERS check)
        from apps.ops.metrics import metrics_source_register
        from apps.ops.metrics.celery_state import celery_metrics
        from apps.ops.metrics.jobs import job_metrics

        metrics_source_register("celery", celery_metrics)
        metrics_source_register("jobs", job_metrics)
