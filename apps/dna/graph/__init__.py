"""The Neo4j mirror: connection, neomodel classes, batched writes and tenant-scoped reads."""
from __future__ import annotations

from apps.dna.graph.connection import GraphMirrorOff, GraphUnavailable, connect, cypher, mirror_enabled, ping

__all__ = ["GraphMirrorOff", "GraphUnavailable", "connect", "cypher", "mirror_enabled", "ping"]
