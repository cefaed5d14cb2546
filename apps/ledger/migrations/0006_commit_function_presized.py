from __future__ import annotations

from importlib import import_module

from django.db import migrations

# 0002's function text now pre-sizes its arrays; databases migrated before that get it replaced here.
COMMIT_FUNCTION = import_module("apps.ledger.migrations.0002_ledger_sql").COMMIT_FUNCTION


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_trim_indexes")]
    operations = [migrations.RunSQL(COMMIT_FUNCTION, migrations.RunSQL.noop)]
