"""Checkpoints for late data. Existing streams get one from their current state, so late points after their
latest point so far can be recomputed; nothing earlier can (their past states were never kept)."""
from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def checkpoint_current_states(apps: Any, schema_editor: Any) -> None:
    from apps.signals.state import processor_loads

    StreamState = apps.get_model("signals", "StreamState")
    StreamCheckpoint = apps.get_model("signals", "StreamCheckpoint")
    for state in StreamState.objects.select_related("stream").order_by("pk").iterator(chunk_size=100):
        stream = state.stream
        StreamCheckpoint.objects.create(tenant_id=stream.tenant_id, stream=stream, through_ts=stream.last_timestamp,
                                        point_count=stream.point_count, blob=bytes(state.blob),
                                        window_index=processor_loads(state.blob).window_index)


class Migration(migrations.Migration):

    dependencies = [
        ('signals', '0008_state_json'),
        ('tenants', '0002_domain_and_logo_validation'),
    ]

    operations = [
        migrations.CreateModel(
            name='StreamCheckpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('through_ts', models.DateTimeField(blank=True, null=True)),
                ('point_count', models.BigIntegerField()),
                ('window_index', models.BigIntegerField(help_text='Index of the next window the state will close.')),
                ('blob', models.BinaryField(help_text="apps/signals/state.py's format.")),
                ('stream', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='checkpoints', to='signals.stream')),
                ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenants.tenant')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('stream', 'point_count'), name='signals_checkpoint_unique')],
            },
        ),
        migrations.RunPython(checkpoint_current_states, migrations.RunPython.noop),
    ]
