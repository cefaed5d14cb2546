"""Boots Django for a benchmark against its own database (`<name>_bench`, created and migrated here), so runs
never touch the product's data."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(db_suffix: str = "_bench", migrate: bool = True) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thermodynasty.settings.local")
    import django
    from django.conf import settings

    db = settings.DATABASES["default"]
    owner_url = os.environ.get("DATABASE_OWNER_URL")
    if owner_url:
        # The benchmark database is its own: the owner creates and migrates it, and the benchmarks' resets
        # (TRUNCATE, their own schemas, moving a sequence) are owner's rights the app role no longer has.
        import environ

        owner = environ.Env.db_url_config(owner_url)
        db.update(USER=owner["USER"], PASSWORD=owner["PASSWORD"])
    name = db["NAME"]
    if not name.endswith(db_suffix):
        db["NAME"] = name + db_suffix
        _create_database(db, name)
    django.setup()
    if not migrate:  # a server process a benchmark starts after migrating the database itself
        return
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _create_database(db: dict, maintenance_db: str) -> None:
    import psycopg

    with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"],
                         dbname=maintenance_db, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def durability() -> str:
    """Whether the server waits for the WAL flush at commit ("durable", the README's run command) or not (the
    tests' `--fast` servers): every figure with a commit in it depends on it, so benchmarks print it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('fsync'), current_setting('synchronous_commit')")
        fsync, synchronous = cursor.fetchone()
    connection.close()  # the benchmark's own connection, not a server thread's
    if (fsync, synchronous) == ("on", "on"):
        return "durable"
    return f"fast (fsync={fsync}, synchronous_commit={synchronous})"
