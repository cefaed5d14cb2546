"""Capsules: packaged analyses sold for CEU. A capsule is owned by the platform or a partner; runs and usage are
owned by the buyer; revenue-share rows by the partner who earned them."""
from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.tenants.models import Tenant, TenantOwnedModel


class CapsuleKind(models.TextChoices):
    REGIME_MONITOR = "regime_monitor", "Regime monitor over telemetry streams"


class CapsuleState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class Capsule(TenantOwnedModel):
    """`tenant` is the owner. Buyers read published (and retired, for their history) capsules of the platform and
    of their own partner through the RLS widening below; drafts stay private to the owner. A published capsule is
    immutable: a new price or schema is a new version."""

    rls_extra_visibility = (
        "state <> 'draft' AND (tenant_id IN (SELECT id FROM tenants_tenant WHERE kind = 'platform') "
        "OR tenant_id = (SELECT parent_id FROM tenants_tenant WHERE id = {tenant}))"
    )

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    version = models.CharField(max_length=32, default="1.0.0")
    kind = models.CharField(max_length=32, choices=CapsuleKind.choices)
    input_schema = models.JSONField(help_text="JSON Schema of a run's inputs (from the kind; shown to buyers).")
    price_per_run = models.BigIntegerField(default=0, validators=[MinValueValidator(0)],
                                           help_text="CEU minor units (thousandths) per run.")
    price_per_stream_day = models.BigIntegerField(default=0, validators=[MinValueValidator(0)],
                                                  help_text="CEU minor units per stream and UTC day of data.")
    price_per_1k_points = models.BigIntegerField(default=0, validators=[MinValueValidator(0)],
                                                 help_text="CEU minor units per 1,000 points analysed.")
    price_per_gpu_second = models.BigIntegerField(default=0, validators=[MinValueValidator(0)],
                                                  help_text="CEU minor units per GPU-second.")
    energy_per_run_wh = models.FloatField(default=0.0, validators=[MinValueValidator(0.0)],
                                          help_text="Owner's estimate of the energy one typical run uses (Wh).")
    partner_share_bps = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(9999)],
        help_text="Partner-owned capsules: the owner's share of each charge in basis points (set by operators).")
    state = models.CharField(max_length=16, choices=CapsuleState.choices, default=CapsuleState.DRAFT,
                             db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name", "version"], name="capsules_capsule_unique_version"),
            # Below 100 %: the platform's part of a non-zero charge is then at least one minor unit.
            models.CheckConstraint(name="capsules_capsule_share_below_whole",
                                   condition=Q(partner_share_bps__lte=9999)),
            models.CheckConstraint(name="capsules_capsule_prices_non_negative", condition=(
                Q(price_per_run__gte=0) & Q(price_per_stream_day__gte=0) & Q(price_per_1k_points__gte=0)
                & Q(price_per_gpu_second__gte=0))),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class RunStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ProofStatus(models.TextChoices):
    NONE = "none", "No proof"
    VALID = "valid", "Valid"
    INVALID = "invalid", "Invalid"


class Subscription(TenantOwnedModel):
    """A standing order: the capsule runs once per elapsed UTC day over that day's data, each run metered and
    charged like any other."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended (insufficient CEU)"
        CANCELLED = "cancelled", "Cancelled"

    capsule = models.ForeignKey(Capsule, on_delete=models.PROTECT, related_name="+")
    inputs = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    starts_on = models.DateField(help_text="First UTC day metered.")
    metered_through = models.DateField(null=True, blank=True, help_text="Last UTC day a run was created for.")
    status_reason = models.CharField(max_length=500, blank=True)


class CapsuleRun(TenantOwnedModel):
    """One run, owned by the buyer. `reserved` is held before any work; `charged` is the sum of the run's usage
    events, posted from the hold after the work; the rest of the hold is released."""

    capsule = models.ForeignKey(Capsule, on_delete=models.PROTECT, related_name="+")
    subscription = models.ForeignKey(Subscription, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="runs")
    period_start = models.DateField(null=True, blank=True, help_text="A subscription run's UTC day.")
    inputs = models.JSONField(help_text="The resolved inputs (stream ids and the exact time range analysed).")
    quote = models.JSONField(default=dict, blank=True, help_text="Quantities and price computed before the run.")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)
    hold_id = models.BigIntegerField(null=True, blank=True)
    charged = models.BigIntegerField(default=0)
    platform_share = models.BigIntegerField(default=0)
    partner_share = models.BigIntegerField(default=0)
    partner = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    charge_entry_id = models.BigIntegerField(null=True, blank=True)
    result_text = models.TextField(blank=True, help_text="Canonical JSON of the result, byte-exact (hashed).")
    proof = models.JSONField(default=dict, blank=True)
    proof_status = models.CharField(max_length=8, choices=ProofStatus.choices, default=ProofStatus.NONE)
    proof_reason = models.CharField(max_length=500, blank=True)
    pft_minted = models.BigIntegerField(default=0)
    pft_entry_id = models.BigIntegerField(null=True, blank=True)
    cpu_seconds = models.FloatField(default=0.0)
    energy_wh = models.FloatField(default=0.0)
    error = models.CharField(max_length=1000, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "period_start"],
                                    condition=Q(subscription__isnull=False), name="capsules_run_one_per_period"),
            models.CheckConstraint(name="capsules_run_charge_within_reservation",
                                   condition=Q(charged__lte=models.F("reserved"))),
            models.CheckConstraint(name="capsules_run_shares_add_up",
                                   condition=Q(charged=models.F("platform_share") + models.F("partner_share"))),
        ]


class Metric(models.TextChoices):
    RUN = "run", "Runs"
    STREAM_DAY = "stream_day", "Stream-days"
    POINTS = "points", "Points analysed"
    GPU_MS = "gpu_ms", "GPU milliseconds"


class UsageEvent(TenantOwnedModel):
    """A metered quantity with its CEU price. `event_id` is deterministic per run and metric, so a retried
    settlement inserts nothing new (unique per tenant)."""

    event_id = models.CharField(max_length=128)
    capsule = models.ForeignKey(Capsule, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(CapsuleRun, on_delete=models.PROTECT, related_name="usage")
    metric = models.CharField(max_length=16, choices=Metric.choices)
    quantity = models.BigIntegerField()
    unit_price = models.BigIntegerField(help_text="CEU minor units per priced unit of the metric.")
    ceu_amount = models.BigIntegerField()
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "event_id"], name="capsules_usage_unique_event")]
        indexes = [models.Index(fields=["tenant", "occurred_at"], name="capsules_usage_tenant_time")]


class RevenueShare(TenantOwnedModel):
    """The partner's (tenant's) share of one charge of one of its capsules; settled in the same ledger entry."""

    run = models.OneToOneField(CapsuleRun, on_delete=models.PROTECT, related_name="+")
    capsule = models.ForeignKey(Capsule, on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    charge = models.BigIntegerField()
    amount = models.BigIntegerField()
    entry_id = models.BigIntegerField()
