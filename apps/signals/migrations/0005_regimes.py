"""Regimes (issue #12): alert kinds (every existing alert becomes an "anomaly" through the field default), the
streaming detector's JSON state, stored regime segments and the paid change-point analyses. RLS policies for the
new tables are applied by apps.tenants.rls.apply_policies after migrate, like every TenantOwnedModel table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('signals', '0004_webhook_backoff'),
        ('tenants', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='alert',
            name='delay_points',
            field=models.PositiveIntegerField(blank=True, help_text='Regime changes: points of the new regime seen when the streaming detector confirmed it.', null=True),
        ),
        migrations.AddField(
            model_name='alert',
            name='kind',
            field=models.CharField(choices=[('anomaly', 'Anomaly'), ('regime_change', 'Regime change')], db_index=True, default='anomaly', help_text='An anomaly is a spike inside a regime; a regime change is a boundary.', max_length=16),
        ),
        migrations.AddField(
            model_name='alert',
            name='regime_alert',
            field=models.ForeignKey(blank=True, help_text='Anomalies: the regime change whose boundary this alarm was (then it is not a separate incident).', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='boundary_anomalies', to='signals.alert'),
        ),
        migrations.CreateModel(
            name='ChangepointAnalysis',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('points', models.PositiveIntegerField()),
                ('model', models.CharField(max_length=16)),
                ('penalty', models.FloatField()),
                ('change_points', models.PositiveIntegerField()),
                ('charged', models.PositiveIntegerField(help_text='CEU minor units.')),
                ('hold_id', models.BigIntegerField(blank=True, null=True)),
                ('compute_ms', models.FloatField()),
                ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenants.tenant')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='RegimeState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('detector', models.JSONField(default=dict)),
                ('tracked_through', models.DateTimeField(blank=True, help_text='Last point fed to the detector.', null=True)),
                ('segmented_through', models.DateTimeField(blank=True, help_text='Last point the segments cover.', null=True)),
                ('segmented_at', models.DateTimeField(blank=True, null=True)),
                ('segmentation', models.JSONField(default=dict, help_text='Model, penalty, period and horizon of the last run.')),
                ('stream', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='regime_state', to='signals.stream')),
                ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenants.tenant')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='RegimeSegment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('start_ts', models.DateTimeField()),
                ('end_ts', models.DateTimeField(help_text='Time of its last point.')),
                ('count', models.PositiveIntegerField(help_text='Points in it, missing ones included.')),
                ('n', models.PositiveIntegerField(help_text='Finite points in it.')),
                ('mean', models.FloatField(null=True)),
                ('scale', models.FloatField(help_text='Robust standard deviation.', null=True)),
                ('slope', models.FloatField(help_text='Per second.', null=True)),
                ('features', models.JSONField(default=dict)),
                ('change_kind', models.CharField(blank=True, help_text='How it differs from the regime before it; blank for the first regime of the horizon.', max_length=16)),
                ('change_summary', models.CharField(blank=True, max_length=300)),
                ('change_stats', models.JSONField(default=dict)),
                ('confidence', models.FloatField(null=True)),
                ('model', models.CharField(max_length=16)),
                ('stream', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='regimes', to='signals.stream')),
                ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenants.tenant')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('stream', 'start_ts'), name='signals_regime_unique_start')],
            },
        ),
    ]
