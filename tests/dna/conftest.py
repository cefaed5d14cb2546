from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from apps.dna import payloads
from apps.dna.graph.nodes import NODE_CLASSES

# The graph page's browser walk reuses the portal's Playwright fixtures.
from tests.browser.conftest import browser, page  # noqa: F401

NEO4J_URL = os.environ.get("NEO4J_BOLT_URL", "")
# Tenants created by these tests get ids from here up: the graph server may also hold a development database's
# tenants (scripts/test.sh and scripts/run.sh share one), whose small ids then never meet the tests' nodes, and the
# tests' nodes can be deleted without touching anything else.
TEST_TENANT_FLOOR = 1_000_000_000


@pytest.fixture(scope="session", autouse=True)
def _dna_session(django_db_setup: Any, django_db_blocker: Any) -> None:
    from django.db import connection, transaction

    from apps.dna.ontology_fixtures import ontology_load
    from tests.tenants.roles import as_table_owner

    with django_db_blocker.unblock():
        # Moving a sequence is the owner's right (the app role may only draw from it).
        with as_table_owner(), connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('tenants_tenant', 'id'), GREATEST(%s, "
                           "nextval(pg_get_serial_sequence('tenants_tenant', 'id'))))", [TEST_TENANT_FLOOR])
        # A transactional test's final flush empties the migration-loaded ontology and --reuse-db keeps that
        # emptiness: load it again (a no-op when present) and let serialized_rollback restore it too.
        with transaction.atomic():
            ontology_load()
        connection._test_serialized_contents = connection.creation.serialize_db_to_string()


@pytest.fixture(autouse=True)
def _mirror_off_unless_asked(settings: Any) -> None:
    # Graph queries answer from the mirror when it is on, and the mirror lags until projected: tests that want
    # Neo4j say so with the `neo4j` fixture (which projects explicitly); all others get the PostgreSQL path.
    settings.NEO4J_BOLT_URL = ""


@pytest.fixture
def neo4j(settings: Any, db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The real graph server of this run (scripts/test.sh starts one). Test tenants' nodes (ids from
    TEST_TENANT_FLOOR up) are deleted afterwards, so every test starts from a graph without them. The test
    database's ontology is projected as graph tenant TEST_TENANT_FLOOR (no tenant gets that id), not 0, so it
    never mixes with a development database's ontology on the same server."""
    if not NEO4J_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("NEO4J_BOLT_URL is not set in CI: the graph tests must run against a real Neo4j.")
        pytest.skip("NEO4J_BOLT_URL is not set: start Neo4j with scripts/neo4j.sh start (docs/neo4j.md).")
    settings.NEO4J_BOLT_URL = NEO4J_URL
    monkeypatch.setattr(payloads, "ONTOLOGY_TENANT", TEST_TENANT_FLOOR)
    yield NEO4J_URL
    from apps.dna.graph.connection import cypher

    settings.NEO4J_BOLT_URL = NEO4J_URL
    labels = " OR ".join(f"n:{cls.__label__}" for cls in NODE_CLASSES.values())
    cypher(f"MATCH (n) WHERE ({labels}) AND n.tenant >= $floor DETACH DELETE n", {"floor": TEST_TENANT_FLOOR})
