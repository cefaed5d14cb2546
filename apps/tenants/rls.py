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
from django.db import DatabaseError, connection

CURRENT_TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::bigint"
BYPASS = "current_setting('app.rls_bypass', true) = 'on'"
OWN_ROW = f"tenant_id = {CURRENT_TENANT}"

POLICY_SQL = """
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON {table};
CREATE POLICY tenant_isolation ON {table}
  USING ({bypass} OR {using})
  WITH CHECK ({bypass} OR {own});
"""


def _scoped_models() -> list[Any]:
    from apps.tenants.models import TenantOwnedModel

    return [m for m in django_apps.get_models()
            if (issubclass(m, TenantOwnedModel) or getattr(m, "rls_tenant_scoped", False))
            and m._meta.managed and not m._meta.proxy]


def tenant_owned_tables() -> list[str]:
    """Tables of TenantOwnedModel subclasses, plus models that opt in with `rls_tenant_scoped = True` (rows whose
    tenant may be NULL, such as the ledger's system accounts: those are invisible to every tenant)."""
    return sorted(m._meta.db_table for m in _scoped_models())


def apply_policies(sender: Any = None, **kwargs: Any) -> None:
    using = kwargs.get("using", "default")
    from django.db import connections

    with connections[using].cursor() as cursor:
        for model in _scoped_models():
            # A model may widen what a tenant reads (e.g. entries that credited it); writes stay its own rows.
            extra = getattr(model, "rls_extra_visibility", "")
            visible = f"({OWN_ROW}{' OR ' + extra.format(tenant=CURRENT_TENANT) if extra else ''})"
            cursor.execute(POLICY_SQL.format(table=connections[using].ops.quote_name(model._meta.db_table),
                                             bypass=BYPASS, using=visible, own=OWN_ROW))


def on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.rls_bypass', 'on', false), set_config('app.tenant_id', '', false)")
    connection.rls_state = (True, None)


def _set(bypass: bool, tenant_id: int | None) -> None:
    # The session settings survive a rolled-back transaction only if set outside it; we mirror them on the
    # connection object so reads cost no round trip, and re-set them whenever a scope is left.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('app.rls_bypass', %s, false), set_config('app.tenant_id', %s, false)",
            ["on" if bypass else "off", "" if tenant_id is None else str(tenant_id)],
        )
    connection.rls_state = (bypass, tenant_id)  # type: ignore[attr-defined]  # our own mark on the wrapper


def _current() -> tuple[bool, int | None]:
    connection.ensure_connection()
    return getattr(connection, "rls_state", (True, None))


def _restore(previous: tuple[bool, int | None]) -> None:
    try:
        _set(*previous)
    except DatabaseError:
        # The transaction is aborted; its rollback reverts the setting made inside it, back to `previous`.
        connection.rls_state = previous  # type: ignore[attr-defined]  # our own mark on the wrapper


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
        _restore(previous)


@contextmanager
def dangerously_bypass() -> Iterator[None]:
    """For the few reads that must precede knowing the tenant (API-key lookup, a user's own memberships)."""
    previous = _current()
    if previous[0]:
        yield  # already a system context
        return
    _set(True, previous[1])
    try:
        yield
    finally:
        _restore(previous)
