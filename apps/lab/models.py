from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from apps.tenants.models import TenantOwnedModel


class JobKind(models.TextChoices):
    DIFFUSION2D = "diffusion2d", "Diffusion (2D field)"
    GRAY_SCOTT = "gray_scott", "Gray-Scott reaction-diffusion"
    ADVECTION_DIFFUSION = "advection_diffusion", "Advection-diffusion (2D field)"
    GRAPH_CASCADE = "graph_cascade", "Cascade through an asset graph"
    NVP_TRAIN = "nvp_train", "Train a conservative next-frame model"
    NVP_FORECAST = "nvp_forecast", "Forecast a field with a trained model"
    TELEMETRY_FORECAST = "telemetry_forecast", "Probabilistic telemetry forecast"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class LabJob(TenantOwnedModel):
    """One physics job. `cost_estimate` CEU (minor units) is held at submission (`hold_id`); at the end the
    actual cost (never above the estimate) is posted from the hold, or the whole hold is voided."""

    kind = models.CharField(max_length=32, choices=JobKind.choices)
    params = models.JSONField(help_text="The validated parameters, defaults filled in.")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    progress = models.FloatField(default=0.0, help_text="Percent done, 0 to 100.")
    cost_estimate = models.BigIntegerField(help_text="CEU minor units held at submission.")
    work_estimate = models.FloatField(default=0.0, help_text="Cell updates (or equivalents) the estimate prices.")
    charged = models.BigIntegerField(default=0)
    hold_id = models.BigIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    time_limit_s = models.PositiveIntegerField()
    delivery = models.CharField(max_length=64, blank=True, help_text="Celery task id of the current attempt.")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life of the running attempt.")
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="When the broker last accepted its task.")
    device = models.CharField(max_length=16, blank=True)
    submitted_by = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=1000, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    artefacts = models.JSONField(default=list, blank=True,
                                 help_text='[{"name", "path", "content_type", "size"}] in the lab storage.')

    class Meta:
        indexes = [models.Index(fields=["tenant", "-created_at", "-id"], name="lab_job_tenant_recent")]
        constraints = [
            models.CheckConstraint(name="lab_job_charge_within_estimate",
                                   condition=Q(charged__gte=0) & Q(charged__lte=F("cost_estimate"))),
            models.CheckConstraint(name="lab_job_progress_percent", condition=Q(progress__gte=0, progress__lte=100)),
            models.CheckConstraint(name="lab_job_attempts_capped", condition=Q(attempts__lte=F("max_attempts"))),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES
