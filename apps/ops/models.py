from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

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


class JobEnergy(TenantOwnedModel):
    """What one unit of work (a lab job, a capsule run, a paid analysis) used: times, energy with its source,
    the grid intensity at its start, its CO2e, and the energy part of its CEU charge. One row per unit of work
    (`ref_type`, `ref_id`), written in the work's completion transaction; never updated (a trigger refuses)."""

    # A partner reads its white-label clients' figures (the Energy page); writes stay each tenant's own rows.
    rls_extra_visibility = "tenant_id IN (SELECT id FROM tenants_tenant WHERE parent_id = {tenant})"

    kind = models.CharField(max_length=64, help_text='e.g. "lab.diffusion2d", "capsule.regime_monitor".')
    queue = models.CharField(max_length=32)
    ref_type = models.CharField(max_length=64, help_text='The measured row\'s model label, e.g. "lab.labjob".')
    ref_id = models.BigIntegerField()
    size = models.BigIntegerField(help_text="The work's size in its kind's unit (cell updates, points).")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    wall_s = models.FloatField()
    cpu_s = models.FloatField()
    joules = models.FloatField(help_text="CPU (or its model) plus GPU energy.")
    gpu_joules = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=16, help_text='"rapl", "nvml+rapl", "nvml+model" or "model".')
    estimated = models.BooleanField(help_text="The CPU part comes from the power model, not a meter.")
    region = models.CharField(max_length=64)
    gco2_per_kwh = models.FloatField()
    carbon_source = models.CharField(max_length=120)
    price_per_mwh_minor = models.BigIntegerField(help_text="Energy price used, currency minor units per MWh.")
    co2e_grams = models.FloatField()
    ceu_charged = models.BigIntegerField(help_text="CEU minor units charged for the work.")
    ceu_energy = models.BigIntegerField(help_text="The part of ceu_charged that paid for its energy.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ref_type", "ref_id"], name="ops_jobenergy_one_per_work"),
            models.CheckConstraint(name="ops_jobenergy_figures_non_negative", condition=(
                Q(wall_s__gte=0) & Q(cpu_s__gte=0) & Q(joules__gte=0) & Q(co2e_grams__gte=0) & Q(size__gte=0))),
            models.CheckConstraint(name="ops_jobenergy_energy_within_charge",
                                   condition=Q(ceu_energy__gte=0) & Q(ceu_energy__lte=F("ceu_charged"))),
        ]
        indexes = [models.Index(fields=["tenant", "-created_at", "-id"], name="ops_jobenergy_tenant_recent"),
                   models.Index(fields=["kind", "-created_at"], name="ops_jobenergy_kind_recent")]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref_type}:{self.ref_id} {self.joules:.1f} J"


class EnergyProfile(models.Model):
    """Running totals per kind of work over every tenant (no tenant column: only sums), so a quote can say what
    energy a job of a given size is likely to use before any tenant-scoped history exists."""

    kind = models.CharField(max_length=64, unique=True)
    samples = models.BigIntegerField(default=0)
    size_total = models.FloatField(default=0.0)
    joules_total = models.FloatField(default=0.0)
    wall_s_total = models.FloatField(default=0.0)
    cpu_s_total = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.kind}: {self.samples} samples"


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
                   models.Index(fields=["queue", "released_at"], name="ops_scheduled_served"),
                   models.Index(fields=["tenant", "-created_at", "-id"], name="ops_scheduled_tenant_recent")]

    def __str__(self) -> str:
        return f"{self.ref_type}:{self.ref_id} ({self.state})"
