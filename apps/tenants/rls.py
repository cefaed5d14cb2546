"""PostgreSQL row-level security for tenant-owned tables.

Every table of a `TenantOwnedModel` subclass gets a FORCEd policy: a row is visible only when its tenant_id equals
the session setting `app.tenant_id`, or when `app.rls_bypass` is 'on'. Web requests switch the bypass off and set
the tenant as soon as they know it; system contexts (migrations, workers, management commands) run with the
bypass on and scope their queries through selectors. The app's role must not be a superuser (superusers ignore
RLS): see README "Database roles".
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from django.apps import apps as django_apps
from django.db import connection

POLICY_SQL = """
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON {table};
CREATE POLICY tenant_isolation ON {table}
  USING (current_setting('app.rls_bypass', true) = 'on'
         OR tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint)
  WITH CHECK (current_setting('app.rls_bypass', true) = 'on'
         OR tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint);
"""


def tenant_owned_tables() -> list[str]:
    from apps.tenants.models import TenantOwnedModel

    return sorted(
        m._meta.db_table for m in django_apps.get_models()
        if issubclass(m, TenantOwnedModel) and m._meta.managed and not m._meta.proxy
    )


def apply_policies(sender: Any = None, **kwargs: Any) -> None:
    using = kwargs.get("using", "default")
    from django.db import connections

    with connections[using].cursor() as cursor:
        for table in tenant_owned_tables():
            cursor.execute(POLICY_SQL.format(table=connections[using].ops.quote_name(table)))


def on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.rls_bypass', 'on', false), set_config('app.tenant_id', '', false)")


def _set(bypass: bool, tenant_id: int | None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('app.rls_bypass', %s, false), set_config('app.tenant_id', %s, false)",
            ["on" if bypass else "off", "" if tenant_id is None else str(tenant_id)],
        )


def _current() -> tuple[bool, int | None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('app.rls_bypass', true), current_setting('app.tenant_id', true)")
        bypass, tenant = cursor.fetchone()
    return bypass == "on", int(tenant) if tenant else None


def enter_request() -> None:
    """Start of every web request: nothing is visible until the tenant is known."""
    _set(False, None)


def set_request_tenant(tenant_id: int | None) -> None:
    _set(False, tenant_id)


def leave_request() -> None:
    _set(True, None)


@contextmanager
def tenant_scope(tenant_id: int | None) -> Iterator[None]:
    previous = _current()
    _set(False, tenant_id)
    try:
        yield
    finally:
        _set(*previous)


@contextmanager
def dangerously_bypass() -> Iterator[None]:
    """For the few reads that must precede knowing the tenant (API-key lookup, a user's own memberships)."""
    previous = _current()
    _set(True, previous[1])
    try:
        yield
    finally:
        _set(*previous)
