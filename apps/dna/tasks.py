from __future__ import annotations

from celery import shared_task

from apps.core.tasks import BaseTask
from apps.dna import services


@shared_task(base=BaseTask, name="dna.graph_project")
def graph_project() -> dict:
    """Drains the graph outbox into Neo4j (one drainer at a time: a busy call returns at once). Retries on
    GraphUnavailable (a ConnectionError); with the mirror off it marks pending events skipped."""
    result = services.graph_project()
    return {"events": result.events, "outcomes": dict(result.outcomes), "busy": result.busy,
            "mirror_off": result.mirror_off}


@shared_task(base=BaseTask, name="dna.graph_reconcile")
def graph_reconcile(tenant_id: int | None = None, repair: bool = True) -> dict:
    """Compares (and repairs) one tenant's graph, or the ontology when tenant_id is None."""
    return services.graph_reconcile(tenant_id=tenant_id, repair=repair).as_dict()


@shared_task(base=BaseTask, name="dna.graph_outbox_prune")
def graph_outbox_prune() -> int:
    """Periodic: deletes superseded, processed outbox events past the retention period."""
    return services.graph_outbox_prune()
