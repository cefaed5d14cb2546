from __future__ import annotations

from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "apps.tenants"
    label = "tenants"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from apps.ops.metrics import metrics_read_scope_set
        from apps.tenants import rls

        connection_created.connect(rls.on_connection_created, dispatch_uid="tenants.rls.connection")
        post_migrate.connect(rls.apply_policies, dispatch_uid="tenants.rls.policies")
        metrics_read_scope_set(
            lambda: rls.system_context(reason="a /metrics scrape sums all tenants' rows; only totals leave"))
