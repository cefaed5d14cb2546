"""PostgreSQL row-level security for tenant-owned tables.

Every table with a `tenant_id` column, found in the catalogue (so unmanaged and partitioned tables and their
partitions count too), gets a FORCEd policy: a row is visible only when its tenant_id equals the session setting
`app.tenant_id` (plus a model's `rls_extra_visibility`). Web requests set the tenant as soon as they know it.

System contexts (workers, management commands, the back office, `system_context(reason=...)` and the few
`pre_tenant_read()` lookups) do not set a flag anyone could set: they `SET ROLE` into the system role
(settings.DATABASE_SYSTEM_ROLE, BYPASSRLS, NOLOGIN), which the app role holds by membership. A session whose own
role already bypasses RLS (the owner during migrate) stays itself. See README "Database roles" and
docs/security.d/30-database.md.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection

CURRENT_TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::bigint"
OWN_ROW = f"tenant_id = {CURRENT_TENANT}"
OWN_ROLE = "none"  # `SET ROLE NONE`: back to the role the session logged in as

POLICY_SQL = """
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON {table};
CREATE POLICY tenant_isolation ON {table}
  USING ({using})
  WITH CHECK ({own});
"""

# Every table and partition with a tenant_id column, managed by Django or not; partitions are listed with their
# parent, whose model (if any) says what a tenant may also read. Rows whose tenant is NULL (the ledger's system
# accounts, platform audit rows, ontology events) are invisible to every tenant.
TENANT_TABLES_SQL = """
SELECT c.relname, coalesce(parent.relname, c.relname)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
LEFT JOIN pg_class parent ON parent.oid = i.inhparent
WHERE c.relkind IN ('r', 'p')
ORDER BY c.relname
"""

ROLE_SQL = """
SELECT r.rolsuper OR r.rolbypassrls,
       CASE WHEN s.oid IS NULL THEN false ELSE pg_has_role(r.oid, s.oid, 'MEMBER') END
FROM pg_roles r LEFT JOIN pg_roles s ON s.rolname = %s
WHERE r.rolname = coalesce(NULLIF(%s, 'none'), session_user)
"""

# Role attributes do not change while a process runs: one catalogue lookup per login, not per connection.
_roles_of: dict[tuple[Any, ...], tuple[str, str]] = {}


def _tables(cursor: Any) -> list[tuple[str, str]]:
    cursor.execute(TENANT_TABLES_SQL)
    return list(cursor.fetchall())


def apply_policies(sender: Any = None, **kwargs: Any) -> None:
    using = kwargs.get("using", "default")
    from django.db import connections

    conn = connections[using]
    models = {m._meta.db_table: m for m in django_apps.get_models()}
    with conn.cursor() as cursor:
        for table, parent in _tables(cursor):
            # A model may widen what a tenant reads (e.g. entries that credited it); writes stay its own rows.
            extra = getattr(models.get(parent), "rls_extra_visibility", "")
            visible = f"({OWN_ROW}{' OR ' + extra.format(tenant=CURRENT_TENANT) if extra else ''})"
            cursor.execute(POLICY_SQL.format(table=conn.ops.quote_name(table), using=visible, own=OWN_ROW))


def _roles(cursor: Any, key: tuple[Any, ...], system: str, act_as: str) -> tuple[str, str]:
    """(role of the system context, role of a request) for this login."""
    if key not in _roles_of:
        cursor.execute(ROLE_SQL, [system, act_as])
        bypasses, member = cursor.fetchone()
        if bypasses:  # the owner migrating, a superuser: already a system context, and nothing narrows it
            _roles_of[key] = (act_as, act_as)
        elif member:
            _roles_of[key] = (system, act_as)
        else:
            raise ImproperlyConfigured(f"the database role may not SET ROLE {system}: grant it (README \"Database "
                                       "roles\"), or no system context can see tenant rows")
    return _roles_of[key]


def on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Works out which role each context runs as, then starts in the system context."""
    system = getattr(settings, "DATABASE_SYSTEM_ROLE", "thermo_system")
    # Only the test suite sets this: it logs in as the owner and acts as the app role (tests/conftest.py).
    act_as = getattr(settings, "DATABASE_ACT_AS_ROLE", "") or OWN_ROLE
    db = connection.settings_dict
    with connection.cursor() as cursor:
        roles = _roles(cursor, (db["HOST"], db["PORT"], db["USER"], system, act_as), system, act_as)
        cursor.execute("SELECT set_config('role', %s, false), set_config('app.tenant_id', '', false)", [roles[0]])
    connection.rls_roles = roles
    connection.rls_state = (True, None)


def _set(bypass: bool, tenant_id: int | None) -> None:
    # The session settings survive a rolled-back transaction only if set outside it; we mirror them on the
    # connection object so reads cost no round trip, and re-set them whenever a scope is left.
    connection.ensure_connection()  # a new connection learns its roles first (on_connection_created)
    roles: tuple[str, str] | None = getattr(connection, "rls_roles", None)
    assert roles is not None, "on_connection_created marks every connection with its roles"
    system, request = roles
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('role', %s, false), set_config('app.tenant_id', %s, false)",
            [system if bypass else request, "" if tenant_id is None else str(tenant_id)],
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


def in_tenant_context(tenant_id: int) -> bool:
    """Whether this connection already works for `tenant_id` under RLS (no round trip: the mirrored state)."""
    return _current() == (False, tenant_id)


@contextmanager
def tenant_scope(tenant_id: int | None) -> Iterator[None]:
    previous = _current()
    _set(False, tenant_id)
    try:
        yield
    finally:
        _restore(previous)


def _refuse_writes(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    if not sql.lstrip().upper().startswith("SELECT"):
        raise PermissionError(f"a pre-tenant read may only SELECT, not: {sql[:60]}")
    return execute(sql, params, many, context)


@contextmanager
def _system() -> Iterator[None]:
    previous = _current()
    if previous[0]:
        yield  # already a system context
        return
    _set(True, previous[1])
    try:
        yield
    finally:
        _restore(previous)


@contextmanager
def pre_tenant_read() -> Iterator[None]:
    """For the few reads that must happen before the tenant is known: an API key by its prefix, a user's own
    memberships, an invitation by its token. They see every tenant's rows, so only SELECTs may run inside; a
    write raises PermissionError. Once the tenant is known, work continues in `tenant_scope`."""
    with _system(), connection.execute_wrapper(_refuse_writes):
        yield


@contextmanager
def system_context(*, reason: str) -> Iterator[None]:
    """Platform work that really spans tenants (sweepers, projections, settlement against system accounts): RLS
    does not apply inside. `reason` says why at the call site; work for one known tenant uses `tenant_scope`."""
    if not reason.strip():
        raise ValueError("a system context states its reason")
    with _system():
        yield
