"""Platform-wide housekeeping of tenant-owned rows that only the system context may do."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.core.models import IdempotencyRecord
from apps.tenants import rls


def idempotency_records_purge(*, batch_size: int = 1000) -> int:
    """Delete records older than IDEMPOTENCY_RECORD_TTL_SECONDS, every tenant's; returns how many went.

    Batched so one purge never holds many row locks; a claim still running is older than the TTL only if the
    TTL is shorter than a request, which settings forbid."""
    cutoff = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_RECORD_TTL_SECONDS)
    total = 0
    with rls.system_context(reason="the purge sweeps every tenant's idempotency records"):
        while True:
            ids = list(IdempotencyRecord.objects.filter(created_at__lt=cutoff)
                       .values_list("pk", flat=True)[:batch_size])
            if not ids:
                return total
            total += IdempotencyRecord.objects.filter(pk__in=ids, created_at__lt=cutoff).delete()[0]
