"""Keeping the outbox small: processed events that a later event of the same object supersedes carry nothing the
graph needs (projection and replay skip them anyway), so they are deleted after a retention period."""
from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from apps.tenants import rls

RETENTION = timedelta(days=7)
PRUNE_BATCH = 50_000  # rows deleted per statement, so one run never holds long locks


def graph_outbox_prune(*, older_than: timedelta = RETENTION) -> int:
    """Deletes processed events older than `older_than` that have a newer event for the same object; each
    object's latest event stays (it is its version, which reconcile stamps on the graph). Returns rows deleted."""
    cutoff, total = timezone.now() - older_than, 0
    with rls.system_context(reason="the prune sweeps every tenant's graph outbox"):
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM dna_graphoutbox WHERE id IN (SELECT o.id FROM dna_graphoutbox o "
                    "WHERE o.status <> 'pending' AND o.created_at < %s AND EXISTS (SELECT 1 FROM dna_graphoutbox n "
                    "WHERE n.object_type = o.object_type AND n.object_id = o.object_id AND n.id > o.id) LIMIT %s)",
                    [cutoff, PRUNE_BATCH])
                deleted = cursor.rowcount
            total += deleted
            if deleted < PRUNE_BATCH:
                return total
