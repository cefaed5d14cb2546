"""The thermodynamic ontology and signal templates (shared, versioned fixtures), each tenant's asset twins with
their typed links and stream attachments, and the outbox that keeps the Neo4j mirror in step."""
from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

from apps.tenants.models import TenantOwnedModel

KEY_VALIDATOR = RegexValidator(r"^[a-z0-9][a-z0-9_.:-]*$", "Lower-case letters, digits and _ . : - only.")


class OntologyVersion(models.Model):
    """One loaded fixture release. Exactly one is current: the one the API and the portal show."""

    version = models.CharField(max_length=32, unique=True)
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the fixture files that made this version.")
    notes = models.TextField(blank=True)
    is_current = models.BooleanField(default=False)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True),
                                               name="dna_one_current_ontology")]

    def __str__(self) -> str:
        return self.version


class TermCategory(models.TextChoices):
    PRIMITIVE = "primitive", "Primitive"
    DERIVED = "derived", "Derived construct"
    COMPLEX = "complex", "Complex construct"
    MEASUREMENT = "measurement", "Measurement"


class OntologyTerm(models.Model):
    key = models.CharField(max_length=80, unique=True, validators=[KEY_VALIDATOR])
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=16, choices=TermCategory.choices)
    kind = models.CharField(max_length=40, help_text="Sub-kind: energy_form, entropy_type, noise_class, ...")
    definition = models.TextField()
    unit = models.CharField(max_length=40, help_text="Unit of the quantity; 'u' is the stream's value unit.")
    formula = models.TextField(blank=True)
    code_ref = models.CharField(max_length=200, blank=True, help_text="Dotted path of the code that computes it.")
    version = models.ForeignKey(OntologyVersion, on_delete=models.PROTECT, related_name="terms",
                                help_text="The release that last changed this term.")

    def __str__(self) -> str:
        return self.key


class Predicate(models.TextChoices):
    IS_A = "is_a", "is a"
    DERIVED_FROM = "derived_from", "derived from"
    MEASURED_BY = "measured_by", "measured by"


class OntologyRelation(models.Model):
    subject = models.ForeignKey(OntologyTerm, on_delete=models.CASCADE, related_name="relations_out")
    predicate = models.CharField(max_length=16, choices=Predicate.choices)
    object = models.ForeignKey(OntologyTerm, on_delete=models.CASCADE, related_name="relations_in")
    version = models.ForeignKey(OntologyVersion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "predicate", "object"], name="dna_relation_unique"),
            models.CheckConstraint(condition=~Q(subject=F("object")), name="dna_relation_not_reflexive"),
        ]


class Industry(models.TextChoices):
    INDUSTRIAL = "industrial", "Industrial and critical infrastructure"
    BIOMEDICAL = "biomedical", "Biological and medical"
    ECONOMIC = "economic", "Economic and behavioural"
    CYBER = "cyber", "Cyber"


class SignalTemplate(models.Model):
    """A use case: which streams to feed, which signals to compute with which window, and detector settings."""

    key = models.CharField(max_length=80, unique=True, validators=[KEY_VALIDATOR])
    name = models.CharField(max_length=160)
    industry = models.CharField(max_length=16, choices=Industry.choices)
    description = models.TextField(help_text="What it watches and why its parameters are what they are.")
    inputs = models.JSONField(help_text='[{"role", "kind", "units", "value_range"?, "description"}]')
    signals = models.JSONField(help_text="Ontology term keys computed for each input.")
    parameters = models.JSONField(help_text='{"window_size", "n_bins"}')
    detector = models.JSONField(default=dict, help_text="DetectorConfig overrides.")
    changepoint = models.JSONField(default=dict, blank=True, help_text="Regime-change tracking: TrackerConfig "
                                   "fields (model level|variance|trend|counts|seasonal|auto and its settings).")
    alert_policy = models.JSONField(default=dict, blank=True, help_text='{"anomaly": what one means here, '
                                    '"regime_change": what one means here, "failure_shows_as": anomaly|'
                                    'regime_change|either}')
    budgets = models.JSONField(default=dict, blank=True, help_text='{"false_alarms_per_1000", "max_delay_s"}: the '
                               "tolerances its evidence is judged by.")
    version = models.ForeignKey(OntologyVersion, on_delete=models.PROTECT, related_name="templates")
    is_active = models.BooleanField(default=True, help_text="False once a later release dropped it.")

    def __str__(self) -> str:
        return self.key


class AssetKind(models.TextChoices):
    SITE = "site", "Site"
    HOST = "host", "Host"
    SERVICE = "service", "Service"
    SENSOR = "sensor", "Sensor"
    EQUIPMENT = "equipment", "Equipment"
    NETWORK = "network", "Network"


class Asset(TenantOwnedModel):
    """A shadow twin of something the tenant runs. `key` is the tenant's own stable identifier (imports use it)."""

    key = models.CharField(max_length=120, validators=[KEY_VALIDATOR])
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=AssetKind.choices)
    description = models.TextField(blank=True)
    attributes = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="dna_asset_unique_key")]

    def __str__(self) -> str:
        return self.key


class LinkKind(models.TextChoices):
    DEPENDS_ON = "depends_on", "depends on"
    FLOWS_TO = "flows_to", "flows to"
    HOSTS = "hosts", "hosts"
    CONNECTS = "connects", "connects"


class AssetLink(TenantOwnedModel):
    """`source` <kind> `target`; `weight` in (0, 1] is the share of a disturbance that crosses the link."""

    source = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=16, choices=LinkKind.choices)
    weight = models.FloatField(default=1.0, validators=[MinValueValidator(1e-9), MaxValueValidator(1.0)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "source", "target", "kind"], name="dna_link_unique"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="dna_link_no_self"),
            models.CheckConstraint(condition=Q(weight__gt=0) & Q(weight__lte=1), name="dna_link_weight_range"),
        ]


class AssetStream(TenantOwnedModel):
    """A stream measures at most one asset (signals' Stream has no asset FK; this table is the attachment)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="stream_links")
    stream = models.OneToOneField("signals.Stream", on_delete=models.CASCADE, related_name="dna_attachment")


class TemplateInstance(TenantOwnedModel):
    template = models.ForeignKey(SignalTemplate, on_delete=models.PROTECT, related_name="+")
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    bindings = models.JSONField(help_text='{role: {"stream": id, "created": bool}}')
    settings = models.JSONField(help_text="The template's parameters and detector settings as applied.")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped (mirror off)"


class GraphOp(models.TextChoices):
    UPSERT = "upsert", "Upsert"
    DELETE = "delete", "Delete"


class GraphOutbox(models.Model):
    """A committed change to project into Neo4j. Written in the change's own transaction (services, or triggers
    on the signals tables); `id` is the object's version: every writer holds the object's row lock when it
    inserts, so one object's events get increasing ids in commit order. `payload` is the object's whole state."""

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.DO_NOTHING,
                               db_constraint=False, related_name="+")
    object_type = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    op = models.CharField(max_length=8, choices=GraphOp.choices)
    payload = models.JSONField(default=dict)
    # Database defaults: the triggers on the signals tables insert rows with raw SQL.
    status = models.CharField(max_length=8, choices=OutboxStatus.choices, default=OutboxStatus.PENDING,
                              db_default=OutboxStatus.PENDING)
    outcome = models.CharField(max_length=16, blank=True, default="", db_default="",
                               help_text="applied, superseded, stale or off.")
    attempts = models.PositiveSmallIntegerField(default=0, db_default=0)
    error = models.TextField(blank=True, default="", db_default="")
    created_at = models.DateTimeField(default=timezone.now, db_default=Now())
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["id"], condition=Q(status="pending"), name="dna_outbox_pending"),
            models.Index(fields=["object_type", "object_id", "id"], name="dna_outbox_object"),
            models.Index(fields=["tenant", "status"], name="dna_outbox_tenant_status"),
        ]
