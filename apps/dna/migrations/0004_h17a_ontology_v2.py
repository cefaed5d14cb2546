"""The second ontology and template release: ontology units, and templates with change-point models, alert
policies and budgets, one file per industry library (apps/dna/fixtures/templates_v2/). Release 1 stays recorded
as an OntologyVersion; templates it had keep their rows (instances point at them)."""
from __future__ import annotations

from django.db import migrations

from apps.dna.ontology_fixtures import FIXTURES, ontology_load


def load_v2(apps, schema_editor):  # type: ignore[no-untyped-def]
    ontology_load(apps, ontology_file=FIXTURES / "ontology_v2.json", templates_file=FIXTURES / "templates_v2")


class Migration(migrations.Migration):
    dependencies = [("dna", "0003_h17a_template_evidence")]

    operations = [migrations.RunPython(load_v2, migrations.RunPython.noop)]
