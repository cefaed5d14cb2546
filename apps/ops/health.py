from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No dependencies are touched."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_broker() -> str:
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2)
    client.ping()
    return "ok"


def _check_graph() -> str:
    if not settings.NEO4J_BOLT_URL:
        return "off"
    from neo4j import GraphDatabase

    with GraphDatabase.driver(_bolt_address(settings.NEO4J_BOLT_URL), auth=_bolt_auth(settings.NEO4J_BOLT_URL),
                              connection_timeout=2) as driver:
        driver.verify_connectivity()
    return "ok"


def _bolt_address(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 7687}"


def _bolt_auth(url: str) -> tuple[str, str] | None:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    return (unquote(parts.username), unquote(parts.password or "")) if parts.username else None


CHECKS: dict[str, Callable[[], str]] = {"database": _check_database, "broker": _check_broker, "graph": _check_graph}


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, broker and (when configured) the graph server. 503 when any is down."""
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            state = check()
        except Exception as exc:  # noqa: BLE001 - each dependency reports its own failure, hiding no other
            state = f"error: {type(exc).__name__}: {exc}"[:300]
        results[name] = {"status": state, "ms": round(1000 * (time.perf_counter() - started), 1)}
    ready = all(r["status"] in ("ok", "off") for r in results.values())
    return JsonResponse({"status": "ready" if ready else "unavailable", "checks": results},
                        status=200 if ready else 503)
