"""audit_record_alone: the record of a call written as its own write, in one round trip with asynchronous commit,
under the connection's role and tenant context."""
from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import DatabaseError, connection

from apps.core.actors import Actor
from apps.core.request_context import request_id_var
from apps.ops.models import AuditLog
from apps.ops.services import ALONE_COLUMNS, audit_record_alone
from apps.tenants import rls
from tests.tenants.factories import TenantFactory

pytestmark = pytest.mark.django_db(transaction=True)

ACTOR = Actor(api_key_id=41, label="mcp:api-key:td_abc")


def _write(tenant_id: int, **changes: Any) -> None:
    fields: dict[str, Any] = {"actor": ACTOR, "action": "bridge.mcp_tool:streams_list", "tenant_id": tenant_id,
                              "object_type": "api_operation", "object_id": "GET /api/v1/streams/",
                              "after": {"status": 200}}
    audit_record_alone(**{**fields, **changes})


def test_it_writes_every_column_but_the_id():
    # given
    columns = {f.column for f in AuditLog._meta.concrete_fields} - {AuditLog._meta.pk.column}
    # then: a column added to AuditLog must be added to the lean INSERT too
    assert {AuditLog._meta.get_field(name).column for name in ALONE_COLUMNS} == columns


def test_it_writes_the_row_audit_record_would_in_the_tenants_context():
    # given
    tenant = TenantFactory(slug="alone-fields")
    token = request_id_var.set("req-alone-1")
    # when
    try:
        with rls.tenant_scope(tenant.pk):
            _write(tenant.pk)
    finally:
        request_id_var.reset(token)
    # then
    row = AuditLog.objects.get(tenant_id=tenant.pk)
    assert (row.actor_api_key_id, row.actor_user_id, row.actor_label, row.action, row.object_type, row.object_id,
            row.before, row.after, row.request_id) == (
        41, None, "mcp:api-key:td_abc", "bridge.mcp_tool:streams_list", "api_operation", "GET /api/v1/streams/",
        None, {"status": 200}, "req-alone-1")
    assert row.created_at is not None


def test_it_is_one_pipelined_transaction_that_does_not_wait_for_the_wal_flush(monkeypatch):
    # given: every statement psycopg sends, with whether it went in a pipeline
    tenant = TenantFactory(slug="alone-pipeline")
    sent: list[tuple[str, bool]] = []
    execute = psycopg.Cursor.execute

    def watch(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append((str(query), self.connection._pipeline is not None))
        return execute(self, query, *args, **kwargs)

    with rls.tenant_scope(tenant.pk):
        monkeypatch.setattr(psycopg.Cursor, "execute", watch)
        # when
        _write(tenant.pk)
        monkeypatch.undo()
    # then
    assert [sql.split(" (")[0] for sql, _ in sent] == [
        "BEGIN", "SET LOCAL synchronous_commit TO off", 'INSERT INTO "ops_auditlog"', "COMMIT"]
    assert all(in_pipeline for _, in_pipeline in sent)
    assert AuditLog.objects.filter(tenant_id=tenant.pk).count() == 1


def test_the_insert_is_a_prepared_statement_of_the_connection():
    # given: Django opens connections with prepare_threshold=None, which makes psycopg ignore prepare=True
    tenant = TenantFactory(slug="alone-prepared")
    # when
    with rls.tenant_scope(tenant.pk):
        _write(tenant.pk)
        _write(tenant.pk)
    # then
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ['INSERT INTO "ops_auditlog"%'])
        assert cursor.fetchone() == (1,)
    assert AuditLog.objects.filter(tenant_id=tenant.pk).count() == 2


def test_a_refused_row_raises_and_leaves_the_connection_usable():
    # given: the context is one tenant's, the row another's, so row-level security refuses it
    mine, other = TenantFactory(slug="alone-mine"), TenantFactory(slug="alone-other")
    # when
    with rls.tenant_scope(mine.pk):
        with pytest.raises(DatabaseError):
            _write(other.pk)
        # then: no transaction left open or aborted, and the connection still answers
        assert connection.connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        _write(mine.pk)
    assert list(AuditLog.objects.values_list("tenant_id", flat=True).filter(
        tenant_id__in=[mine.pk, other.pk])) == [mine.pk]


def test_it_refuses_to_run_inside_a_transaction():
    # given
    from django.db import transaction

    tenant = TenantFactory(slug="alone-atomic")
    # when / then
    with transaction.atomic(), pytest.raises(AssertionError):
        _write(tenant.pk)
