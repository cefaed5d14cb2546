"""The lone caller's millisecond (issue #15, docs/ledger.md "Where a transfer's time goes").

`ledger_transfer` and `ledger_apply` take arrays as parameters. PL/pgSQL plans each statement with those values
for its first five calls and then keeps a generic plan only if that looks no dearer; with `id = ANY(array)` and
`generate_series(1, n)` it never does, so every call re-planned every statement, with the arrays embedded as
constants: the planning cost more than the statements (0.2 ms of them against about 0.5 ms of planning per
transfer), and a 1,000-entry batch read its text arrays element by element from flat constants, quadratic in the
batch. A generic plan keeps the arrays as parameters (expanded, O(1) per element) and plans once per session.
The sealer's `ledger_seal` keeps custom plans: its frontier predicate needs the actual value to use the index.

Two entry indexes go: tenant alone (ledger_entry_tenant_time starts with it) and reverses alone (the partial
unique ledger_entry_reversed_once answers `reverses_id = x`); each was one more index insert per entry."""
from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models

GENERIC = """
ALTER FUNCTION ledger_transfer SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION ledger_apply SET plan_cache_mode = force_generic_plan;
"""
CUSTOM = """
ALTER FUNCTION ledger_transfer RESET plan_cache_mode;
ALTER FUNCTION ledger_apply RESET plan_cache_mode;
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0008_h15b_sealed_chain"), ("tenants", "0002_domain_and_logo_validation")]
    operations = [
        migrations.RunSQL(GENERIC, CUSTOM),
        migrations.AlterField(
            model_name="entry", name="tenant",
            field=models.ForeignKey(blank=True, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="tenants.tenant"),
        ),
        migrations.AlterField(
            model_name="entry", name="reverses",
            field=models.ForeignKey(blank=True, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="ledger.entry"),
        ),
    ]
