"""neomodel classes of the mirrored graph, and the schema (constraints) they need.

Every node carries `tenant` (0 for the shared ontology), `uid` (the PostgreSQL primary key) and `v` (the outbox
id of the last event applied to it, so older or replayed events are recognised and skipped). Labels are
prefixed (`Dna...`) so they never collide with another app's graph. Relationships that mirror a row (links,
attachments, ontology relations) carry the same three properties.
"""
from __future__ import annotations

from neomodel import (
    FloatProperty,
    IntegerProperty,
    RelationshipTo,
    StringProperty,
    StructuredNode,
    StructuredRel,
)

from apps.dna import payloads


class MirroredRel(StructuredRel):
    tenant = IntegerProperty(required=True)
    uid = IntegerProperty(required=True)
    v = IntegerProperty(default=0)


class LinkRel(MirroredRel):
    weight = FloatProperty(required=True)


class MirroredNode(StructuredNode):
    __abstract_node__ = True
    tenant = IntegerProperty(required=True)
    uid = IntegerProperty(required=True)
    v = IntegerProperty(default=0)


class TermNode(MirroredNode):
    __label__ = "DnaTerm"
    key = StringProperty(required=True)
    name = StringProperty()
    category = StringProperty()
    kind = StringProperty()
    unit = StringProperty()
    is_a = RelationshipTo("TermNode", "IS_A", model=MirroredRel)
    derived_from = RelationshipTo("TermNode", "DERIVED_FROM", model=MirroredRel)
    measured_by = RelationshipTo("TermNode", "MEASURED_BY", model=MirroredRel)


class AssetNode(MirroredNode):
    __label__ = "DnaAsset"
    key = StringProperty(required=True)
    name = StringProperty()
    kind = StringProperty()
    depends_on = RelationshipTo("AssetNode", "DEPENDS_ON", model=LinkRel)
    flows_to = RelationshipTo("AssetNode", "FLOWS_TO", model=LinkRel)
    hosts = RelationshipTo("AssetNode", "HOSTS", model=LinkRel)
    connects = RelationshipTo("AssetNode", "CONNECTS", model=LinkRel)


class StreamNode(MirroredNode):
    __label__ = "DnaStream"
    name = StringProperty()
    kind = StringProperty()
    units = StringProperty()
    measures = RelationshipTo(AssetNode, "MEASURES", model=MirroredRel)


class AlertNode(MirroredNode):
    __label__ = "DnaAlert"
    severity = StringProperty()
    status = StringProperty()
    score = FloatProperty()
    ts = FloatProperty(help_text="Unix seconds of the point that raised it.")
    raised_on = RelationshipTo(StreamNode, "RAISED_ON")


NODE_CLASSES: dict[str, type[MirroredNode]] = {payloads.TERM: TermNode, payloads.ASSET: AssetNode,
                                               payloads.STREAM: StreamNode, payloads.ALERT: AlertNode}
# Node properties copied from the payload (alerts' `stream` becomes the RAISED_ON relationship instead).
NODE_PROPERTIES: dict[str, tuple[str, ...]] = {
    payloads.TERM: ("key", "name", "category", "kind", "unit"),
    payloads.ASSET: ("key", "name", "kind"),
    payloads.STREAM: ("name", "kind", "units"),
    payloads.ALERT: ("severity", "status", "score", "ts"),
}
LINK_TYPES = {"depends_on": "DEPENDS_ON", "flows_to": "FLOWS_TO", "hosts": "HOSTS", "connects": "CONNECTS"}
PREDICATE_TYPES = {"is_a": "IS_A", "derived_from": "DERIVED_FROM", "measured_by": "MEASURED_BY"}
MEASURES, RAISED_ON = "MEASURES", "RAISED_ON"


def label(object_type: str) -> str:
    return NODE_CLASSES[object_type].__label__


def schema_statements() -> list[str]:
    """Composite uniqueness of (tenant, uid) per label: community edition supports it, and its backing index is
    what makes `UNWIND ... MERGE` linear instead of quadratic."""
    return [f"CREATE CONSTRAINT dna_{cls.__label__.lower()}_key IF NOT EXISTS "
            f"FOR (n:{cls.__label__}) REQUIRE (n.tenant, n.uid) IS UNIQUE" for cls in NODE_CLASSES.values()]
