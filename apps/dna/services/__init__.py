from __future__ import annotations

from apps.dna.services.assets import (
    asset_create,
    asset_delete,
    asset_update,
    link_create,
    link_delete,
    link_update,
    stream_attach,
    stream_detach,
)
from apps.dna.services.cascade import Cascade, cascade_from_job, cascade_job_submit, cascade_simulate
from apps.dna.services.imports import ImportResult, assets_import
from apps.dna.services.maintenance import graph_outbox_prune
from apps.dna.services.projection import ProjectionResult, graph_event_replay, graph_project
from apps.dna.services.reconcile import ReconcileReport, graph_reconcile, graph_tenants
from apps.dna.services.template_demo import TemplateDemo, template_demo_create
from apps.dna.services.templates import template_instantiate

__all__ = ["Cascade", "ImportResult", "ProjectionResult", "ReconcileReport", "TemplateDemo", "asset_create",
           "asset_delete",
           "asset_update", "assets_import", "cascade_from_job", "cascade_job_submit", "cascade_simulate",
           "graph_event_replay", "graph_outbox_prune",
           "graph_project", "graph_reconcile", "graph_tenants", "link_create", "link_delete", "link_update",
           "stream_attach", "stream_detach", "template_demo_create", "template_instantiate"]
