"""Telemetry streams, their points (a PostgreSQL table partitioned by month), the windowed thermodynamic
signals computed as points arrive, alerts, and signed webhook deliveries."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.tenants.models import TenantOwnedModel


class StreamKind(models.TextChoices):
    NUMERIC = "numeric", "Numeric values"
    CATEGORICAL = "categorical", "Categorical events (ports, user agents, ...)"


class Stream(TenantOwnedModel):
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=StreamKind.choices, default=StreamKind.NUMERIC)
    units = models.CharField(max_length=50, blank=True)
    asset_name = models.CharField(max_length=200, blank=True, help_text="The asset this stream measures.")
    description = models.TextField(blank=True)
    window_size = models.PositiveIntegerField(default=60, help_text="Points per signal window.")
    n_bins = models.PositiveSmallIntegerField(default=16, help_text="Histogram bins of the entropy signals.")
    value_low = models.FloatField(null=True, blank=True, help_text="Fixed histogram range; empty = calibrate "
                                  "on the first window (set it for streams that drift far from their start).")
    value_high = models.FloatField(null=True, blank=True)
    point_count = models.BigIntegerField(default=0)
    last_timestamp = models.DateTimeField(null=True, blank=True)
    last_score = models.FloatField(default=0.0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="signals_stream_unique_name")]

    def __str__(self) -> str:
        return self.name


class StreamState(TenantOwnedModel):
    """The streaming detector's and compiler's state between batches; locked while a batch is processed, so one
    stream's points are applied strictly in order. `blob` is apps/signals/state.py's format, never a pickle."""

    stream = models.OneToOneField(Stream, on_delete=models.CASCADE, related_name="state")
    blob = models.BinaryField()
    version = models.PositiveIntegerField(default=2, help_text="Format of `blob`: 1 pickle (before 0008), 2 JSON + "
                                          ".npy (apps/signals/state.py).")


class StreamCheckpoint(TenantOwnedModel):
    """The processor's state before the stream's `point_count`-th point (the last one included is at
    `through_ts`, null before the first): late points re-run the processor from the newest checkpoint before
    them. Only those within the lateness bound, and the newest one before it, are kept (services/backfill.py)."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="checkpoints")
    through_ts = models.DateTimeField(null=True, blank=True)
    point_count = models.BigIntegerField()
    window_index = models.BigIntegerField(help_text="Index of the next window the state will close.")
    blob = models.BinaryField(help_text="apps/signals/state.py's format.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "point_count"], name="signals_checkpoint_unique")]


class Point(models.Model):
    """One telemetry point. The table is partitioned by month (see migration 0002); unmanaged here because
    Django cannot declare partitioning."""

    pk = models.CompositePrimaryKey("stream_id", "ts")
    stream = models.ForeignKey(Stream, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    ts = models.DateTimeField()
    value = models.FloatField(help_text="The value, or for categorical streams the event's surprisal in nats.")
    symbol = models.CharField(max_length=200, blank=True)
    score = models.FloatField()
    alarm = models.BooleanField(default=False)

    class Meta:
        managed = False
        db_table = "signals_point"


class SignalWindow(TenantOwnedModel):
    """Thermodynamic signals of one closed window of `window_size` points (also the rollup used for charts)."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="windows")
    index = models.BigIntegerField()
    start_ts = models.DateTimeField()
    end_ts = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField()
    mean = models.FloatField()
    minimum = models.FloatField()
    maximum = models.FloatField()
    # The six signals are null when not finite (named in `flags`): jsonb and strict JSON refuse Infinity/NaN.
    energy = models.FloatField(null=True)
    temperature = models.FloatField(null=True)
    entropy = models.FloatField(null=True)
    entropy_rate = models.FloatField(null=True)
    free_energy = models.FloatField(null=True)
    entropy_production = models.FloatField(null=True)
    max_score = models.FloatField()
    valid = models.BooleanField(default=True)
    flags = models.JSONField(default=list)
    vector = models.JSONField(default=list, help_text="The window's 16-feature physics vector (docs/signals.md).")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "index"], name="signals_window_unique_index")]


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class AlertKind(models.TextChoices):
    ANOMALY = "anomaly", "Anomaly"
    REGIME_CHANGE = "regime_change", "Regime change"


class Alert(TenantOwnedModel):
    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=16, choices=AlertKind.choices, default=AlertKind.ANOMALY, db_index=True,
                            help_text="An anomaly is a spike inside a regime; a regime change is a boundary.")
    delay_points = models.PositiveIntegerField(null=True, blank=True, help_text="Regime changes: points of the "
                                               "new regime seen when the streaming detector confirmed it.")
    regime_alert = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="boundary_anomalies", help_text="Anomalies: the regime change "
                                     "whose boundary this alarm was (then it is not a separate incident).")
    ts = models.DateTimeField(help_text="Time of the point that raised it.")
    score = models.FloatField()
    severity = models.CharField(max_length=8, choices=Severity.choices)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN, db_index=True)
    explanation = models.TextField()
    evidence = models.JSONField(default=dict)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)


class WebhookEndpoint(TenantOwnedModel):
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=64, help_text="HMAC-SHA256 signing secret.")
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    paused_at = models.DateTimeField(null=True, blank=True, help_text="Set after WEBHOOK_PAUSE_AFTER_FAILURES "
                                     "consecutive failures; nothing is sent until the tenant resumes it.")
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="The endpoint's backoff: no delivery "
                                           "to it starts before this.")

    @property
    def state(self) -> str:
        if not self.is_active:
            return "deactivated"
        return "paused" if self.paused_at else "active"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class WebhookDelivery(TenantOwnedModel):
    """pending -> queued (claimed by the dispatcher, one broker message) -> sending (claimed by a worker) ->
    succeeded | pending (backoff) | failed. Each step is a conditional UPDATE, so no delivery is queued twice;
    `lease_until` lets a queued or sending row whose message or worker was lost be picked up again."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=50)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, help_text="A coarse error class (timeout, http_5xx, ...), never the "
                                  "exception text: it is shown to the tenant.")
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="signals_delivery_unique")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="signals_delivery_due")]


class RegimeState(TenantOwnedModel):
    """The streaming change-point detector of a stream (its state as JSON, never pickle) and the bookkeeping of
    the offline segmentation: which points the stored segments cover."""

    stream = models.OneToOneField(Stream, on_delete=models.CASCADE, related_name="regime_state")
    detector = models.JSONField(default=dict)
    tracked_through = models.DateTimeField(null=True, blank=True, help_text="Last point fed to the detector.")
    segmented_through = models.DateTimeField(null=True, blank=True, help_text="Last point the segments cover.")
    segmented_at = models.DateTimeField(null=True, blank=True)
    segmentation = models.JSONField(default=dict, help_text="Model, penalty, period and horizon of the last run.")


class RegimeSegment(TenantOwnedModel):
    """One regime of a stream's recent horizon, from the offline segmentation; replaced whole on each refresh."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="regimes")
    start_ts = models.DateTimeField()
    end_ts = models.DateTimeField(help_text="Time of its last point.")
    count = models.PositiveIntegerField(help_text="Points in it, missing ones included.")
    n = models.PositiveIntegerField(help_text="Finite points in it.")
    mean = models.FloatField(null=True)
    scale = models.FloatField(null=True, help_text="Robust standard deviation.")
    slope = models.FloatField(null=True, help_text="Per second.")
    features = models.JSONField(default=dict)
    change_kind = models.CharField(max_length=16, blank=True, help_text="How it differs from the regime before "
                                   "it; blank for the first regime of the horizon.")
    change_summary = models.CharField(max_length=300, blank=True)
    change_stats = models.JSONField(default=dict)
    confidence = models.FloatField(null=True)
    model = models.CharField(max_length=16)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "start_ts"], name="signals_regime_unique_start")]

    @property
    def slope_per_hour(self) -> float | None:
        return None if self.slope is None else self.slope * 3600


class ChangepointAnalysis(TenantOwnedModel):
    """One paid run of the stateless change-point API: what was analysed and charged (not the series itself)."""

    points = models.PositiveIntegerField()
    model = models.CharField(max_length=16)
    penalty = models.FloatField()
    change_points = models.PositiveIntegerField()
    charged = models.PositiveIntegerField(help_text="CEU minor units.")
    hold_id = models.BigIntegerField(null=True, blank=True)
    compute_ms = models.FloatField()
