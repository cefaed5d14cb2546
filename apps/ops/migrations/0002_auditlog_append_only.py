from __future__ import annotations

from django.db import migrations

from apps.core.db import append_only_operation


class Migration(migrations.Migration):
    dependencies = [("ops", "0001_initial")]
    operations = [append_only_operation("ops_auditlog")]
