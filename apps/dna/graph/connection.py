"""The one door to Neo4j: neomodel's `db`, pointed at settings.NEO4J_BOLT_URL. An empty URL means the mirror
is off; callers ask `mirror_enabled()` first and the product keeps working without a graph server."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from neo4j.exceptions import DriverError, Neo4jError, TransientError
from neomodel import config, db

CONNECT_TIMEOUT_S = 5.0  # a down server should fail a request in seconds, not neomodel's default 30


class GraphUnavailable(ConnectionError):
    """The graph server could not be reached or refused transiently (tasks retry these)."""


class GraphMirrorOff(RuntimeError):
    """No graph server is configured (NEO4J_BOLT_URL is empty)."""


def mirror_enabled() -> bool:
    return bool(settings.NEO4J_BOLT_URL)


def _with_credentials(url: str) -> str:
    # neomodel insists on user:password in the URL; a server with auth off accepts any, so give it some.
    scheme, _, rest = url.partition("://")
    return url if "@" in rest else f"{scheme}://neo4j:neo4j@{rest}"


def connect() -> None:
    """Point neomodel at the configured server (again, if the setting changed, as tests do)."""
    url = settings.NEO4J_BOLT_URL
    if not url:
        raise GraphMirrorOff("The graph mirror is off (NEO4J_BOLT_URL is not set).")
    url = _with_credentials(url)
    if config.DATABASE_URL != url or db.driver is None:
        if db.driver is not None:
            db.close_connection()
        config.DATABASE_URL = url
        config.CONNECTION_TIMEOUT = CONNECT_TIMEOUT_S
        config.CONNECTION_ACQUISITION_TIMEOUT = 2 * CONNECT_TIMEOUT_S
        try:
            db.set_connection(url=url)
        except (DriverError, OSError) as exc:
            db.driver = None
            raise GraphUnavailable(f"Graph server unreachable: {exc}") from exc


def cypher(query: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
    """Run one auto-committed Cypher statement; driver failures become GraphUnavailable."""
    connect()
    try:
        rows, _ = db.cypher_query(query, params or {})
    except (DriverError, TransientError, OSError) as exc:
        raise GraphUnavailable(f"Graph server error: {exc}") from exc
    return rows


def ping() -> tuple[bool, str]:
    """(reachable, message) for status pages; never raises."""
    if not mirror_enabled():
        return False, "graph mirror off"
    try:
        cypher("RETURN 1")
    except (GraphUnavailable, Neo4jError) as exc:
        return False, str(exc)[:300]
    return True, "connected"
