"""Outbox triggers on the signals tables (streams and alerts are mirrored into the graph too), and the first
ontology and template release."""
from __future__ import annotations

from django.db import migrations

from apps.dna.ontology_fixtures import FIXTURES, ontology_load
from apps.dna.payloads import TRIGGERS_REVERSE_SQL, TRIGGERS_SQL


def load_v1(apps, schema_editor):  # type: ignore[no-untyped-def]
    ontology_load(apps, ontology_file=FIXTURES / "ontology_v1.json", templates_file=FIXTURES / "templates_v1.json")


class Migration(migrations.Migration):
    dependencies = [
        ("dna", "0001_initial"),
        ("signals", "0003_calibration"),
    ]

    operations = [
        migrations.RunSQL(TRIGGERS_SQL, TRIGGERS_REVERSE_SQL),
        migrations.RunPython(load_v1, migrations.RunPython.noop),
    ]
