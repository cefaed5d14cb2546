"""Back office: the ontology, templates, tenants' assets and the graph outbox, read-only (writes go through the
services, which keep the graph in step); operators can replay outbox events."""
from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from apps.dna import services
from apps.dna.graph.connection import GraphUnavailable
from apps.dna.models import Asset, AssetLink, GraphOutbox, OntologyTerm, SignalTemplate
from apps.ops.admin_mixins import ReadOnlyAdmin


@admin.register(OntologyTerm)
class OntologyTermAdmin(ReadOnlyAdmin):
    list_display = ["key", "name", "category", "kind", "unit", "code_ref", "version"]
    list_filter = ["category", "kind"]
    search_fields = ["key", "name", "definition"]


@admin.register(SignalTemplate)
class SignalTemplateAdmin(ReadOnlyAdmin):
    list_display = ["key", "name", "industry", "is_active", "version"]
    list_filter = ["industry", "is_active"]
    search_fields = ["key", "name", "description"]


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdmin):
    list_display = ["key", "name", "kind", "tenant", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["key", "name", "tenant__name"]


@admin.register(AssetLink)
class AssetLinkAdmin(ReadOnlyAdmin):
    list_display = ["source", "kind", "target", "weight", "tenant"]
    list_filter = ["kind"]


@admin.action(description="Replay selected events into the graph")
def replay_events(modeladmin: Any, request: HttpRequest, queryset: Any) -> None:
    try:
        outcomes = [services.graph_event_replay(event_id=e.pk) for e in queryset.order_by("id")[:1000]]
    except GraphUnavailable as exc:
        messages.error(request, str(exc))
        return
    messages.info(request, ", ".join(f"{o}: {outcomes.count(o)}" for o in sorted(set(outcomes))) or "Nothing to do.")


@admin.register(GraphOutbox)
class GraphOutboxAdmin(ReadOnlyAdmin):
    list_display = ["id", "tenant", "object_type", "object_id", "op", "status", "outcome", "attempts", "created_at",
                    "processed_at"]
    list_filter = ["status", "object_type", "op", "outcome"]
    search_fields = ["=object_id"]
    actions = [replay_events]
