from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from apps.tenants import rls
from apps.tenants.models import ApiKey, Membership
from tests.tenants.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db


def test_the_app_role_is_not_a_superuser():
    # when
    with connection.cursor() as cursor:
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


def test_every_tenant_owned_table_has_a_forced_policy():
    # when
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relrowsecurity AND relforcerowsecurity")
        protected = {row[0] for row in cursor.fetchall()}
    # then
    assert set(rls.tenant_owned_tables()) <= protected
