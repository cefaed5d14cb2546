from __future__ import annotations

import io

import pytest

from apps.lab import demo
from apps.lab.models import LabJob
from apps.ledger.models import Account
from apps.ledger.services import ledger_verify
from tests.tenants.factories import PartnerFactory, TenantFactory

pytestmark = pytest.mark.django_db


def test_the_demo_grants_ceu_and_leaves_one_finished_job_per_demo_tenant_however_often_it_runs():
    # given
    helios = PartnerFactory(slug="helios")
    tenants = {"helios": helios, "northwind": TenantFactory(slug="northwind", parent=helios)}
    # when
    demo.seed(tenants, io.StringIO())
    demo.seed(tenants, io.StringIO())
    # then
    jobs = LabJob.objects.order_by("pk")
    assert [(j.tenant.slug, j.status) for j in jobs] == [("helios", "succeeded"), ("northwind", "succeeded")]
    assert all(len(j.artefacts) == 5 and j.charged > 0 for j in jobs)
    balances = [Account.objects.get(tenant=t, asset_id="CEU", code="main").balance for t in tenants.values()]
    assert balances == [demo.GRANT - j.charged for j in jobs]
    assert ledger_verify().ok
