"""manage.py graph_reconcile [--tenant ID|SLUG] [--repair] [--json] [--fail-on-drift]

Compares the Neo4j mirror with PostgreSQL (the shared ontology and every tenant, or one tenant) and reports
missing, extra and different nodes and relationships per kind; --repair fixes them in bounded UNWIND batches."""
from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.dna import payloads, services
from apps.dna.graph.connection import GraphUnavailable, mirror_enabled
from apps.tenants import rls
from apps.tenants.models import Tenant


class Command(BaseCommand):
    help = "Report (and with --repair, fix) drift between PostgreSQL and the Neo4j graph mirror."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", help="Tenant id or slug (default: the ontology and every tenant).")
        parser.add_argument("--repair", action="store_true", help="Rewrite what differs.")
        parser.add_argument("--json", action="store_true", help="One JSON object per tenant instead of a table.")
        parser.add_argument("--fail-on-drift", action="store_true", help="Exit non-zero when drift was found.")

    def _tenants(self, raw: str | None) -> list[int | None]:
        if raw is None:
            return [None, *services.graph_tenants()]
        with rls.pre_tenant_read():
            tenant = Tenant.objects.filter(pk=int(raw)).first() if raw.isdigit() else Tenant.objects.filter(
                slug=raw).first()
        if tenant is None:
            raise CommandError(f"No tenant {raw!r}.")
        return [tenant.pk]

    def handle(self, *args: Any, **options: Any) -> None:
        if not mirror_enabled():
            raise CommandError("The graph mirror is off (NEO4J_BOLT_URL is not set); nothing to reconcile.")
        drift = 0
        try:
            for tenant_id in self._tenants(options["tenant"]):
                report = services.graph_reconcile(tenant_id=tenant_id, repair=options["repair"])
                drift += report.total
                self._print(report, options["json"])
        except GraphUnavailable as exc:
            raise CommandError(str(exc)) from exc
        if drift and options["fail_on_drift"]:
            raise CommandError(f"{drift} difference(s) found{' and repaired' if options['repair'] else ''}.")

    def _print(self, report: services.ReconcileReport, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), sort_keys=True))
            return
        name = "ontology" if report.tenant == payloads.ONTOLOGY_TENANT else f"tenant {report.tenant}"
        verb = "repaired" if report.repaired else "found"
        self.stdout.write(f"{name}: {report.total} difference(s) {verb} in {report.seconds:.2f}s, "
                          f"{report.pending_events} event(s) pending")
        for kind, d in report.drift.items():
            self.stdout.write(f"  {kind:<11} expected {report.expected.get(kind, 0):>8}  missing {len(d.missing):>6}"
                              f"  extra {len(d.extra):>6}  different {len(d.different):>6}")
