from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.core.models import TenantOwnedModel


class AuditLog(models.Model):
    """Append-only record of every write made through services (a database trigger refuses edits)."""

    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    actor_api_key_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200)
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.DO_NOTHING,
                               related_name="+", db_constraint=False)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"


class ScheduleObjective(models.TextChoices):
    CARBON = "carbon", "Lowest carbon intensity"
    PRICE = "price", "Lowest energy price"


class TenantSchedule(TenantOwnedModel):
    """An operator's scheduling settings for one tenant; a tenant without a row gets the defaults."""

    objective = models.CharField(max_length=8, choices=ScheduleObjective.choices, default=ScheduleObjective.CARBON,
                                 help_text="What a flexible job's window minimises.")
    weight = models.FloatField(default=1.0, validators=[MinValueValidator(0.01), MaxValueValidator(100.0)],
                               help_text="Share of the gpu queue against other tenants with work waiting.")
    gpu_quota = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1)],
                                                 help_text="Jobs at once on the gpu queue; blank: the default.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="ops_tenant_schedule_one_per_tenant")]

    def __str__(self) -> str:
        return f"schedule of tenant {self.tenant_id}"


class ScheduledState(models.TextChoices):
    WAITING = "waiting", "Waiting"  # deferred until not_before, or due and waiting for a slot
    RELEASED = "released", "Released"  # sent to Celery; holds a slot until the job finishes
    FINISHED = "finished", "Finished"
    CANCELLED = "cancelled", "Cancelled"


class ScheduledJob(TenantOwnedModel):
    """One unit of queued work (a lab job, a capsule run) between submission and its end. The dispatcher
    releases it to Celery once `not_before` has passed and its queue and tenant have room; the state change
    and the send's on_commit share one transaction, so a release is never lost nor made twice."""

    kind = models.CharField(max_length=64, help_text='e.g. "lab.diffusion2d"')
    queue = models.CharField(max_length=32)
    ref_type = models.CharField(max_length=64, help_text='The job\'s model label, e.g. "lab.labjob".')
    ref_id = models.BigIntegerField()
    size = models.BigIntegerField(help_text="The job's size measure (the one JobEnergy.size records).")
    expected_s = models.FloatField(help_text="Expected wall seconds, from measured history of the kind.")
    flexible = models.BooleanField(default=False)
    deadline = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(db_index=True)
    objective = models.CharField(max_length=8, choices=ScheduleObjective.choices, default=ScheduleObjective.CARBON)
    region = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=16, choices=ScheduledState.choices, default=ScheduledState.WAITING)
    releases = models.PositiveSmallIntegerField(default=0, help_text="Times sent to Celery (1 unless re-sent).")
    released_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    intensity_at_submit = models.FloatField(null=True, blank=True, help_text="gCO2e/kWh had it run at once.")
    intensity_planned = models.FloatField(null=True, blank=True, help_text="Forecast mean over the chosen window.")
    intensity_at_run = models.FloatField(null=True, blank=True, help_text="gCO2e/kWh when it was released.")
    price_at_submit = models.BigIntegerField(null=True, blank=True, help_text="Minor units per MWh.")
    price_at_run = models.BigIntegerField(null=True, blank=True, help_text="Minor units per MWh.")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ref_type", "ref_id"], name="ops_scheduled_job_one_per_ref"),
            models.CheckConstraint(name="ops_scheduled_job_flexible_has_deadline",
                                   condition=Q(flexible=False) | Q(deadline__isnull=False)),
        ]
        indexes = [models.Index(fields=["queue", "state", "not_before"], name="ops_scheduled_due"),
                   models.Index(fields=["tenant", "-created_at", "-id"], name="ops_scheduled_tenant_recent")]

    def __str__(self) -> str:
        return f"{self.ref_type}:{self.ref_id} ({self.state})"
