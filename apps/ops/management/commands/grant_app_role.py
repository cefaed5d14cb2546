from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

APPEND_ONLY = ["ops_auditlog", "ledger_entry", "ledger_posting", "ledger_outboxevent"]


class Command(BaseCommand):
    help = ("Grant a separate, non-owner application role what the app needs after migrations: full DML on ordinary "
            "tables, only INSERT/SELECT on the append-only history tables. Run as the owner after `migrate`.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("role")

    def handle(self, *args: Any, role: str, **options: Any) -> None:
        if not role.replace("_", "").isalnum():
            raise CommandError("role must be a plain identifier")
        quoted = connection.ops.quote_name(role)
        tables = connection.introspection.table_names()
        with connection.cursor() as cursor:
            cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
            for table in tables:
                rights = "SELECT, INSERT" if table in APPEND_ONLY else "SELECT, INSERT, UPDATE, DELETE"
                cursor.execute(f"GRANT {rights} ON {connection.ops.quote_name(table)} TO {quoted}")
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
            cursor.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {quoted}")
        self.stdout.write(self.style.SUCCESS(f"granted {role} on {len(tables)} tables"))
