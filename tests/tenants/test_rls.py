from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from apps.core.actors import Actor
from apps.ops.models import AuditLog
from apps.ops.services import audit_record
from apps.signals.models import Point
from apps.tenants import rls
from apps.tenants.models import ApiKey, Membership
from tests.tenants.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db


def test_the_app_role_is_not_a_superuser():
    # when: what a web request runs as
    with rls.tenant_scope(None), connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        superuser, bypass = cursor.fetchone()
    # then: otherwise PostgreSQL would ignore every policy
    assert (superuser, bypass) == (False, False)


def test_rls_hides_other_tenants_rows_even_without_a_filter(tenant, other_tenant, make_member):
    # given
    ApiKeyFactory.issue(tenant=tenant)
    ApiKeyFactory.issue(tenant=other_tenant)
    make_member(other_tenant)
    # when
    with rls.tenant_scope(tenant.pk):
        key_tenants = set(ApiKey.objects.values_list("tenant_id", flat=True))
        foreign_memberships = Membership.objects.filter(tenant=other_tenant).count()
    # then
    assert key_tenants == {tenant.pk}
    assert foreign_memberships == 0


def test_rls_refuses_writing_a_row_into_another_tenant(tenant, other_tenant):
    # given
    with rls.tenant_scope(tenant.pk):
        # when / then
        with pytest.raises(DatabaseError, match="row-level security"):
            with transaction.atomic():
                ApiKey.objects.create(tenant=other_tenant, name="x", prefix="deadbeef", secret_hash="0" * 64)


def test_no_tenant_means_no_rows(tenant):
    # given
    ApiKeyFactory.issue(tenant=tenant)
    # when
    with rls.tenant_scope(None):
        visible = ApiKey.objects.count()
    # then
    assert visible == 0


# Straight from the catalogue, not from the models: unmanaged and partitioned tables (and partitions) count too.
UNPROTECTED_TENANT_TABLES = """
SELECT c.relname FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p')
  AND NOT (c.relrowsecurity AND c.relforcerowsecurity AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))
"""


def _tenant_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
                       "WHERE a.attname = 'tenant_id' AND c.relkind IN ('r', 'p')")
        return {row[0] for row in cursor.fetchall()}


def test_every_table_with_a_tenant_column_has_a_forced_policy():
    # given: a month nobody ingested yet gets its partition now, as ingest would create it
    with connection.cursor() as cursor:
        cursor.execute("SELECT signals_ensure_partition('2091-07-01')")
        (partition,) = cursor.fetchone()
    # when
    with connection.cursor() as cursor:
        cursor.execute(UNPROTECTED_TENANT_TABLES)
        unprotected = sorted(row[0] for row in cursor.fetchall())
    # then
    assert {"signals_point", partition, "ops_auditlog", "ledger_outboxevent",
            "marketplace_marketcommand"} <= _tenant_tables()
    assert unprotected == []


def _add_points(*tenant_ids: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT signals_ensure_partition('2091-07-01')")
        for i, tenant_id in enumerate(tenant_ids):
            cursor.execute("INSERT INTO signals_point (stream_id, tenant_id, ts, value, score) "
                           "VALUES (%s, %s, '2091-07-02T00:00:00Z', 1, 0)", [900_000 + i, tenant_id])


def test_rls_hides_other_tenants_points_through_the_table_and_its_partition(tenant, other_tenant):
    # given
    _add_points(tenant.pk, other_tenant.pk)
    # when
    with rls.tenant_scope(tenant.pk):
        through_parent = set(Point.objects.values_list("tenant_id", flat=True))
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT tenant_id FROM signals_point_y2091m07")
                direct = {row[0] for row in cursor.fetchall()}
        except DatabaseError as exc:
            assert "permission denied" in str(exc)  # the app role is not even granted the partition
            direct = set()
    # then
    assert through_parent == {tenant.pk}
    assert direct <= {tenant.pk}


def test_rls_refuses_a_point_for_another_tenant(tenant, other_tenant):
    # given
    with rls.tenant_scope(tenant.pk):
        # when / then
        with pytest.raises(DatabaseError, match="row-level security"):
            with transaction.atomic():
                _add_points(other_tenant.pk)


def test_rls_hides_other_tenants_and_platform_audit_rows(tenant, other_tenant):
    # given
    with transaction.atomic():
        for tenant_id in (tenant.pk, other_tenant.pk, None):
            audit_record(actor=Actor(label="test"), action="test.rls", tenant_id=tenant_id, object_type="x",
                         object_id="1")
    # when
    with rls.tenant_scope(tenant.pk):
        visible = set(AuditLog.objects.filter(action="test.rls").values_list("tenant_id", flat=True))
    # then
    assert visible == {tenant.pk}
