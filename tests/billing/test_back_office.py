from __future__ import annotations

import pytest
from django.test import Client

from apps.billing.models import OperatorCredit
from apps.capsules import services as capsule_services
from apps.ledger.models import Account
from apps.ledger.services import ledger_verify
from apps.ops.models import AuditLog
from tests.billing.factories import open_purchase
from tests.capsules.factories import ACTOR, make_capsule, partner_with_client, stream_with_points

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(django_user_model) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("op", "op@example.com", "long-enough-pw"))
    return client


def test_the_overviews_show_revenue_ceu_sold_spent_and_partner_shares(operator, pack, stripe_standin, deliver):
    # given: a client buys CEU and runs its partner's capsule
    partner, client = partner_with_client()
    purchase = open_purchase(client, pack)
    deliver("checkout.session.completed", stripe_standin.pay(purchase.stripe_session_id))
    capsule = make_capsule(partner)
    stream = stream_with_points(client, n=400)
    run = capsule_services.capsule_run_start(actor=ACTOR, tenant=client, capsule_id=capsule.pk,
                                             inputs={"streams": [stream.pk]})
    capsule_services.capsule_run_execute(run_id=run.pk)
    # when
    page = operator.get("/admin/billing/purchase/overview/").content.decode()
    economy = operator.get("/admin/capsules/capsulerun/economy/").content.decode()
    # then
    assert 'data-testid="gross-USD">10.00<' in page and 'data-testid="net-USD">10.00<' in page
    assert 'data-testid="ceu-sold">10,000.000<' in page
    assert 'data-testid="ceu-spent">1.300<' in economy and 'data-testid="ceu-partner-shares">0.910<' in economy
    assert "Partner helios" in economy


def test_an_operator_issues_an_audited_credit_through_the_ledger_once(operator, tenant):
    # given
    form = {"tenant": tenant.pk, "amount": "12.5", "reason": "goodwill for the outage on 2026-03-01",
            "client_id": "form-abc"}
    # when
    first = operator.post("/admin/billing/purchase/credit/", form)
    double_submit = operator.post("/admin/billing/purchase/credit/", form)
    # then
    assert first.status_code == double_submit.status_code == 302
    assert Account.objects.get(tenant=tenant, asset_id="CEU").balance == 12_500
    credit = OperatorCredit.objects.get()
    log = AuditLog.objects.get(action="billing.operator_credit")
    assert credit.operator_label == log.actor_label == "operator:op" and log.after["amount"] == 12_500
    assert ledger_verify().ok


def test_a_credit_needs_a_reason(operator, tenant):
    # when
    response = operator.post("/admin/billing/purchase/credit/", {"tenant": tenant.pk, "amount": "1",
                                                                "reason": "", "client_id": "x"})
    # then
    assert response.status_code == 200 and not OperatorCredit.objects.exists()


def test_operators_cannot_edit_purchases_or_stripe_events(operator, tenant, pack, stripe_standin):
    # given
    purchase = open_purchase(tenant, pack)
    # when
    change = operator.post(f"/admin/billing/purchase/{purchase.pk}/change/", {"status": "paid"})
    # then
    purchase.refresh_from_db()
    assert change.status_code == 403 and purchase.status == "open"
