from __future__ import annotations

from django.db import models


class TenantOwnedModel(models.Model):
    """Base of every tenant-owned row: an indexed tenant FK plus timestamps. RLS policies cover subclasses.

    It lives in core, the bottom layer, so core's own tenant-owned rows need not import the tenants app; the
    tenant is named lazily, as Django apps name the user model. Apps import it from `apps.tenants.models`."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, db_index=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class IdempotencyRecord(TenantOwnedModel):
    """A POST's stored outcome under (tenant, key): replayed for the same body, refused (409) for another;
    purged after IDEMPOTENCY_RECORD_TTL_SECONDS (apps/core/idempotency.py)."""

    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    completed_at = models.DateTimeField(null=True)
    # Which request holds the claim (a takeover changes it), and until when before another may take it over.
    owner = models.CharField(max_length=32, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True)
    # Names of secret fields nulled in response_body: a secret is shown once, never replayed.
    secrets_withheld = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="idempotency_unique_tenant_key")]
