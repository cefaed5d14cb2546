from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from tests.tenants.factories import ApiKeyFactory, MembershipFactory, TenantFactory, UserFactory


def _act_as_app_role() -> None:
    """The owner created and migrated the test database; from here on every connection acts as the app role, with
    only the grants production gives it (README "Database roles")."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if settings.DATABASES["default"]["USER"] == settings.TEST_APP_ROLE:
        return  # one role does everything (no DATABASE_OWNER_URL): tests/tenants/test_db_roles.py will say so
    call_command("grant_app_role", settings.TEST_APP_ROLE, verbosity=0)
    settings.DATABASE_ACT_AS_ROLE = settings.TEST_APP_ROLE
    connection.close()
    ops = type(connection.ops)
    flush = ops.execute_sql_flush

    def execute_sql_flush(self: Any, sql_list: list[str]) -> None:
        # A transactional test's flush TRUNCATEs, which only the owner may: the session steps back to its login.
        from apps.tenants import rls

        with self.connection.cursor() as cursor:
            cursor.execute("SELECT set_config('role', 'none', false)")
        try:
            flush(self, sql_list)
        finally:
            rls._set(*rls._current())

    ops.execute_sql_flush = execute_sql_flush


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    # A transactional test's final flush empties even migration-seeded rows; --reuse-db would keep that.
    from django.db import connection

    from apps.ledger.bootstrap import ensure_ledger_bootstrap

    with django_db_blocker.unblock():
        _act_as_app_role()
        ensure_ledger_bootstrap()
        from apps.marketplace.bootstrap import ensure_launch_pairs

        ensure_launch_pairs()
        from django.db import transaction

        from apps.dna.ontology_fixtures import ontology_load

        with transaction.atomic():
            ontology_load()
        # serialized_rollback restores what was serialized at setup: make that include the bootstrap rows.
        connection._test_serialized_contents = connection.creation.serialize_db_to_string()
    yield
    # Dropping the test database (without --reuse-db) is the owner's business again.
    from django.conf import settings

    settings.DATABASE_ACT_AS_ROLE = ""
    connection.close()


@pytest.fixture(autouse=True)
def django_db_serialized_rollback() -> None:
    """Every transactional test restores the serialized bootstrap rows, `live_server` tests included.

    A transactional test without serialized rollback ends with a flush that re-runs post_migrate (content types,
    permissions), and one with it deserializes those same rows at its start: run in that order, the second fails on
    duplicate content types, or finds the ledger's assets gone ("Unknown asset 'CEU'"). Naming pytest-django's
    fixture on every test makes the choice the same for all; it costs nothing for non-transactional tests, which
    roll back instead of flushing."""


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # Lockout counters and rate-limit windows live in Redis; each test starts clean.
    cache.clear()


@pytest.fixture
def tenant(db: Any):
    return TenantFactory(name="Tenant A", slug="tenant-a")


@pytest.fixture
def other_tenant(db: Any):
    return TenantFactory(name="Tenant B", slug="tenant-b")


@pytest.fixture
def make_member(db: Any) -> Callable[..., Any]:
    def make(tenant: Any, role: str = "owner", **user_kwargs: Any) -> Any:
        return MembershipFactory(tenant=tenant, role=role, user=UserFactory(**user_kwargs)).user

    return make


@pytest.fixture
def client_for(db: Any) -> Callable[[Any], Client]:
    """A browser-like Django client logged in (session cookie) as `user`, for the portal's pages."""

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_client_for(db: Any) -> Callable[..., APIClient]:
    """An API client authenticated with a fresh key of `tenant` carrying `scopes` (by default every scope, the
    key-managing `keys` included)."""

    def make(tenant: Any, scopes: tuple[str, ...] = ("read", "write", "trade", "keys")) -> APIClient:
        issued = ApiKeyFactory.issue(tenant=tenant, scopes=list(scopes))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issued.secret}")
        client.api_key = issued.api_key
        return client

    return make


@pytest.fixture
def api(tenant: Any, api_client_for: Callable[..., APIClient]) -> APIClient:
    return api_client_for(tenant)


@pytest.fixture
def other_api(other_tenant: Any, api_client_for: Callable[..., APIClient]) -> APIClient:
    return api_client_for(other_tenant)
