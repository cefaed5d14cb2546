from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("dna", "0002_triggers_and_ontology_v1")]

    operations = [
        migrations.AddField(
            model_name="signaltemplate", name="alert_policy",
            field=models.JSONField(blank=True, default=dict, help_text='{"anomaly": what one means here, '
                                   '"regime_change": what one means here, "failure_shows_as": anomaly|'
                                   'regime_change|either}')),
        migrations.AddField(
            model_name="signaltemplate", name="budgets",
            field=models.JSONField(blank=True, default=dict, help_text='{"false_alarms_per_1000", "max_delay_s"}: '
                                   "the tolerances its evidence is judged by.")),
        migrations.AddField(
            model_name="signaltemplate", name="changepoint",
            field=models.JSONField(blank=True, default=dict, help_text="Regime-change tracking: TrackerConfig "
                                   "fields (model level|variance|trend|counts|seasonal|auto and its settings).")),
    ]
