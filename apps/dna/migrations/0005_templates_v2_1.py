"""Release 2.1.0 of the ontology and templates: the templates re-tuned with the tracker's AR(1) noise setting and
the detector's shift test. Loads the current fixtures, so a database at 2.0.0 moves to 2.1.0 (a fresh one got
2.1.0 from 0004 already, and this load finds it in place)."""
from __future__ import annotations

from django.db import migrations

from apps.dna.ontology_fixtures import FIXTURES, ontology_load


def load_v2_1(apps, schema_editor):  # type: ignore[no-untyped-def]
    ontology_load(apps, ontology_file=FIXTURES / "ontology_v2.json", templates_file=FIXTURES / "templates_v2")


class Migration(migrations.Migration):
    dependencies = [("dna", "0004_h17a_ontology_v2")]

    operations = [migrations.RunPython(load_v2_1, migrations.RunPython.noop)]
