"""The three ways code chooses what the database shows it: a tenant scope (one tenant), a pre-tenant read (every
tenant, SELECT only) and a system context (every tenant, with a stated reason). The old catch-all bypass is gone
and must not come back."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connection, transaction

from apps.tenants import rls
from apps.tenants.models import ApiKey
from tests.tenants.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_NAME = "dangerously" + "_bypass"  # split, so this file does not find itself


def _key_tenants() -> set[int]:
    return set(ApiKey.objects.values_list("tenant_id", flat=True))


def test_inside_a_tenant_scope_another_tenants_rows_are_invisible(tenant, other_tenant):
    # given
    ApiKeyFactory.issue(tenant=tenant)
    ApiKeyFactory.issue(tenant=other_tenant)
    # when
    with rls.tenant_scope(tenant.pk):
        seen = _key_tenants()
    # then
    assert seen == {tenant.pk}


def test_a_tenant_scope_cannot_write_another_tenants_row(tenant, other_tenant):
    # given
    foreign = ApiKeyFactory.issue(tenant=other_tenant).api_key
    # when
    with rls.tenant_scope(tenant.pk):
        updated = ApiKey.objects.filter(pk=foreign.pk).update(name="taken")
    # then
    assert updated == 0
    foreign.refresh_from_db()
    assert foreign.name != "taken"


def test_a_system_context_sees_every_tenant_even_inside_a_tenant_scope(tenant, other_tenant):
    # given
    ApiKeyFactory.issue(tenant=tenant)
    ApiKeyFactory.issue(tenant=other_tenant)
    # when
    with rls.tenant_scope(tenant.pk):
        with rls.system_context(reason="the test reads every tenant"):
            inside = _key_tenants()
        after = _key_tenants()
    # then: and leaving it restores the tenant scope
    assert inside == {tenant.pk, other_tenant.pk}
    assert after == {tenant.pk}


def test_a_system_context_needs_a_reason():
    # when / then
    with pytest.raises(ValueError, match="reason"), rls.system_context(reason="  "):
        pass


def test_a_pre_tenant_read_sees_every_tenant(tenant, other_tenant):
    # given
    ApiKeyFactory.issue(tenant=tenant)
    ApiKeyFactory.issue(tenant=other_tenant)
    # when
    with rls.tenant_scope(None), rls.pre_tenant_read():
        seen = _key_tenants()
    # then
    assert seen == {tenant.pk, other_tenant.pk}


def test_a_pre_tenant_read_refuses_writes(tenant, other_tenant):
    # given
    foreign = ApiKeyFactory.issue(tenant=other_tenant).api_key
    # when: in its own savepoint, since Django marks the transaction failed
    with rls.tenant_scope(tenant.pk), pytest.raises(PermissionError, match="only SELECT"), \
            transaction.atomic(), rls.pre_tenant_read():
        ApiKey.objects.filter(pk=foreign.pk).update(name="taken")
    # then: nothing written, and the guard is gone once the read is over
    foreign.refresh_from_db()
    assert foreign.name != "taken"
    assert not connection.execute_wrappers


def test_the_catch_all_bypass_is_gone_and_stays_gone():
    # given
    sources = [p for folder in ("apps", "benchmarks", "kernels", "thermodynasty", "tests", "scripts")
               for p in (ROOT / folder).rglob("*.py")]
    # when
    users = [str(p.relative_to(ROOT)) for p in sources if FORBIDDEN_NAME in p.read_text(encoding="utf-8")]
    # then
    assert not hasattr(rls, FORBIDDEN_NAME)
    assert users == [], f"use rls.tenant_scope, rls.pre_tenant_read or rls.system_context(reason=...): {users}"


def test_every_system_context_states_a_literal_reason():
    # given: a reason made up at run time could not be reviewed at the call site
    call = re.compile(r"rls\.system_context\(([^)]*)\)")
    sources = [p for folder in ("apps", "benchmarks") for p in (ROOT / folder).rglob("*.py")]
    # when
    unstated = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in sources
                for m in call.finditer(p.read_text(encoding="utf-8"))
                if not re.fullmatch(r"reason=\"[^\"]{10,}\"", m.group(1).strip())]
    # then
    assert unstated == []
