"""The app's database role, in both of its contexts, cannot undo the database's own guarantees: it owns nothing, so
it cannot TRUNCATE history, switch triggers or row-level security off, and no session setting widens what it sees."""
from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import psycopg
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from apps.tenants import rls
from tests.tenants.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db

FORBIDDEN = [
    "TRUNCATE ledger_entry",
    "TRUNCATE ops_auditlog",
    "DELETE FROM ledger_entry",
    "UPDATE ops_auditlog SET action = action",
    "ALTER TABLE ledger_entry DISABLE TRIGGER USER",
    "ALTER TABLE ops_auditlog DISABLE TRIGGER ALL",
    "ALTER TABLE ledger_entry NO FORCE ROW LEVEL SECURITY",
    "ALTER TABLE ops_auditlog DISABLE ROW LEVEL SECURITY",
    "DROP POLICY tenant_isolation ON ledger_entry",
    "ALTER ROLE CURRENT_USER BYPASSRLS",
]


def _context(name: str, tenant_id: int) -> AbstractContextManager[None]:
    # "system": what workers and the back office run as; "request": a web request of one tenant.
    return nullcontext() if name == "system" else rls.tenant_scope(tenant_id)


def _sqlstate(sql: str) -> str | None:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    except DatabaseError as exc:
        return getattr(exc.__cause__, "sqlstate", None)
    return None


@pytest.mark.parametrize("context", ["request", "system"])
@pytest.mark.parametrize("sql", FORBIDDEN)
def test_the_app_role_cannot_undo_the_databases_guarantees(tenant, context, sql):
    # when
    with _context(context, tenant.pk):
        state = _sqlstate(sql)
    # then: 42501 insufficient_privilege ("permission denied", "must be owner")
    assert state == "42501", f"{sql} was not refused for lack of privilege (sqlstate {state})"


def test_the_app_role_owns_no_table_and_not_the_database():
    # when
    with rls.tenant_scope(None), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles "
                       "WHERE rolname = current_user) AND relkind IN ('r', 'p', 'S', 'v', 'm')")
        (owned,) = cursor.fetchone()
        cursor.execute("SELECT pg_get_userbyid(datdba) = current_user FROM pg_database "
                       "WHERE datname = current_database()")
        (owns_database,) = cursor.fetchone()
    # then
    assert owned == 0
    assert owns_database is False


def test_setting_the_old_bypass_flag_grants_nothing(tenant):
    # given
    ApiKeyFactory.issue(tenant=tenant)
    # when: SQL the app role can run sets the session flag the policies used to trust
    with rls.tenant_scope(None), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.rls_bypass', 'on', false)")
        cursor.execute("SELECT count(*) FROM tenants_apikey")
        (visible,) = cursor.fetchone()
    # then
    assert visible == 0


def test_a_system_context_is_a_role_the_app_role_holds_not_a_flag():
    # when
    with rls.tenant_scope(None), connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (request_role,) = cursor.fetchone()
        with rls.system_context(reason="the test checks the role"):
            cursor.execute("SELECT current_user, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            system_role, bypasses = cursor.fetchone()
    # then
    assert request_role == settings.TEST_APP_ROLE
    assert (system_role, bypasses) == (settings.DATABASE_SYSTEM_ROLE, True)


def test_a_session_logged_in_as_the_app_role_cannot_become_the_owner():
    # given: the suite's own connection logs in as the owner (tests/conftest.py); production logs in as the app role
    params = connection.get_connection_params()
    params.update(user=settings.TEST_APP_ROLE, password=settings.TEST_APP_PASSWORD, autocommit=True)
    params.pop("cursor_factory", None)
    with psycopg.connect(**params) as app:
        # when
        try:
            app.execute("SET ROLE thermo_owner")
            became_owner = True
        except psycopg.errors.InsufficientPrivilege:
            became_owner = False
        app.execute(f"SET ROLE {settings.DATABASE_SYSTEM_ROLE}")
        (system_role,) = app.execute("SELECT current_user").fetchone()
    # then: the system role is the one step up it may take
    assert became_owner is False
    assert system_role == settings.DATABASE_SYSTEM_ROLE
