from __future__ import annotations

from django.db import models

from apps.tenants.models import TenantOwnedModel


class IdempotencyRecord(TenantOwnedModel):
    """A POST's stored outcome under (tenant, key): replayed for the same body, refused (409) for another."""

    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    completed_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="idempotency_unique_tenant_key")]
