"""For the few tests that play an attacker holding the owner's rights (tampering behind a trigger's back)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from apps.tenants import rls


@contextmanager
def as_table_owner() -> Iterator[None]:
    # The suite logs in as the owner and acts as the app role (tests/conftest.py); NONE returns to the login.
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('role', 'none', false)")
    try:
        yield
    finally:
        rls._set(*rls._current())
