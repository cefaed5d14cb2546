"""History tables refuse UPDATE and DELETE; the two launch pairs are listed."""
from __future__ import annotations

from typing import Any

from django.db import migrations

from apps.core.db import append_only_operation
from apps.ledger.bootstrap import ensure_ledger_bootstrap
from apps.marketplace.bootstrap import ensure_launch_pairs


def list_pairs(apps: Any, schema_editor: Any) -> None:
    # The assets may be gone from a reused test database that a transactional test flushed.
    ensure_ledger_bootstrap(apps)
    ensure_launch_pairs(apps)


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]
    operations = [
        append_only_operation("marketplace_marketcommand"),
        append_only_operation("marketplace_trade"),
        append_only_operation("marketplace_fill"),
        migrations.RunPython(list_pairs, migrations.RunPython.noop),
    ]
