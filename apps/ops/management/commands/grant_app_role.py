from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

APPEND_ONLY = ["ops_auditlog", "ops_jobenergy", "ledger_entry", "ledger_posting", "ledger_seal", "ledger_outboxevent"]

# Partitions are reached through their parent, whose grants are the ones checked; direct access needs none.
TABLES_SQL = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname
"""


class Command(BaseCommand):
    help = ("Grant a separate, non-owner application role, and the system role its system context SETs, what the "
            "app needs after migrations: full DML on ordinary tables, only INSERT/SELECT on the append-only history "
            "tables; never TRUNCATE, TRIGGER or ownership. Run as the owner after `migrate`.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("role")
        parser.add_argument("--system-role", default=settings.DATABASE_SYSTEM_ROLE)

    def handle(self, *args: Any, role: str, system_role: str, **options: Any) -> None:
        for name in (role, system_role):
            if not name.replace("_", "").isalnum():
                raise CommandError("roles must be plain identifiers")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", [system_role])
            if cursor.fetchone()[0] != 1:
                raise CommandError(f"role {system_role} does not exist: create it (README \"Database roles\")")
            cursor.execute(TABLES_SQL)
            tables = [row[0] for row in cursor.fetchall()]
            grantees = ", ".join(connection.ops.quote_name(name) for name in (role, system_role))
            cursor.execute(f"GRANT USAGE ON SCHEMA public TO {grantees}")
            for table in tables:
                rights = "SELECT, INSERT" if table in APPEND_ONLY else "SELECT, INSERT, UPDATE, DELETE"
                cursor.execute(f"GRANT {rights} ON {connection.ops.quote_name(table)} TO {grantees}")
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {grantees}")
            cursor.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {grantees}")
        self.stdout.write(self.style.SUCCESS(f"granted {role} and {system_role} on {len(tables)} tables"))
