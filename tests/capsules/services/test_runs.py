from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.capsules import services
from apps.capsules.models import CapsuleRun, RevenueShare, UsageEvent
from apps.capsules.runners.regime_monitor import RegimeMonitorRunner
from apps.core.errors import ApplicationError
from apps.ledger.models import Account, Hold
from apps.ledger.services import ledger_verify, system_account
from tests.capsules.factories import ACTOR, make_capsule, partner_with_client, platform, stream_with_points
from tests.ledger.factories import funded_account, refreshed

pytestmark = pytest.mark.django_db

# wave(400) starts 2023-11-14 22:13 UTC, one point a minute: 400 points over two UTC days.
EXPECTED_CHARGE = 500 + 200 * 2 + 400


def test_a_run_is_charged_exactly_its_metered_usage(tenant):
    # given
    capsule = make_capsule(platform())
    stream = stream_with_points(tenant, n=400)
    account = funded_account(tenant, 100_000)
    fees_before = system_account(asset="CEU", code="fees").balance
    # when
    run = services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk,
                                     inputs={"streams": [stream.pk]})
    reserved_while_pending = refreshed(account).pending_debits
    services.capsule_run_execute(run_id=run.pk)
    # then
    run.refresh_from_db()
    metered = sum(UsageEvent.objects.filter(run=run).values_list("ceu_amount", flat=True))
    assert run.status == "succeeded"
    assert reserved_while_pending == run.reserved == EXPECTED_CHARGE
    assert run.charged == metered == EXPECTED_CHARGE
    assert refreshed(account).balance == 100_000 - metered and refreshed(account).pending_debits == 0
    assert system_account(asset="CEU", code="fees").balance - fees_before == metered
    assert Hold.objects.get(pk=run.hold_id).status == "posted"
    assert ledger_verify().ok


def test_an_insufficient_balance_is_refused_before_any_work_starts(tenant):
    # given
    capsule = make_capsule(platform())
    stream = stream_with_points(tenant, n=400)
    account = funded_account(tenant, EXPECTED_CHARGE - 1)
    # when
    with pytest.raises(ApplicationError) as refused:
        services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk,
                                   inputs={"streams": [stream.pk]})
    # then
    assert refused.value.code == "insufficient_ceu" and refused.value.status == 402
    assert refused.value.extra == {"required": EXPECTED_CHARGE, "available": EXPECTED_CHARGE - 1, "asset": "CEU"}
    assert "1.300 CEU" in refused.value.message
    assert not CapsuleRun.objects.exists() and not Hold.objects.filter(tenant=tenant).exists()
    assert refreshed(account).balance == EXPECTED_CHARGE - 1 and refreshed(account).pending_debits == 0


def test_a_tenant_without_a_ceu_account_is_refused_too(tenant):
    # given
    capsule = make_capsule(platform())
    stream = stream_with_points(tenant, n=50)
    # when
    with pytest.raises(ApplicationError) as refused:
        services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk,
                                   inputs={"streams": [stream.pk]})
    # then
    assert refused.value.code == "insufficient_ceu" and refused.value.extra["available"] == 0


def test_executing_or_settling_a_run_again_never_charges_twice(tenant):
    # given
    capsule = make_capsule(platform())
    stream = stream_with_points(tenant, n=400)
    account = funded_account(tenant, 100_000)
    run = services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk,
                                     inputs={"streams": [stream.pk]})
    execution = RegimeMonitorRunner().execute(tenant_id=tenant.pk, inputs=run.inputs)
    # when
    first = services.capsule_run_execute(run_id=run.pk)
    again = services.capsule_run_execute(run_id=run.pk)
    settled_again = services.capsule_run_settle(run_id=run.pk, execution=execution)
    # then
    assert (first, again, settled_again) == ("succeeded", "not-claimed", "succeeded")
    assert UsageEvent.objects.filter(run=run).count() == 3
    assert refreshed(account).balance == 100_000 - EXPECTED_CHARGE
    assert ledger_verify().ok


def test_a_run_lost_with_its_worker_is_reclaimed_after_its_lease(tenant):
    # given
    capsule = make_capsule(platform())
    stream = stream_with_points(tenant, n=100)
    funded_account(tenant, 100_000)
    run = services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk,
                                     inputs={"streams": [stream.pk]})
    CapsuleRun.objects.filter(pk=run.pk).update(status="running", attempts=1,
                                                started_at=timezone.now() - timedelta(hours=1))
    # when
    outcome = services.capsule_run_execute(run_id=run.pk)
    # then
    run.refresh_from_db()
    assert outcome == "succeeded" and run.attempts == 2


def test_partner_revenue_share_and_platform_part_add_up_to_the_charge():
    # given: 70 % of 1,300 is 910; the platform keeps the remainder
    partner, client = partner_with_client()
    capsule = make_capsule(partner)
    stream = stream_with_points(client, n=400)
    buyer = funded_account(client, 100_000)
    fees_before = system_account(asset="CEU", code="fees").balance
    run = services.capsule_run_start(actor=ACTOR, tenant=client, capsule_id=capsule.pk,
                                     inputs={"streams": [stream.pk]})
    # when
    services.capsule_run_execute(run_id=run.pk)
    # then
    run.refresh_from_db()
    partner_account = Account.objects.get(tenant=partner, asset_id="CEU", code="main")
    fees_gain = system_account(asset="CEU", code="fees").balance - fees_before
    assert (run.charged, run.partner_share, run.platform_share) == (1_300, 910, 390)
    assert partner_account.balance + fees_gain == run.charged == 100_000 - refreshed(buyer).balance
    share = RevenueShare.objects.get(run=run)
    assert (share.tenant_id, share.buyer_id, share.amount, share.entry_id) == (partner.pk, client.pk, 910,
                                                                               run.charge_entry_id)
    assert ledger_verify().ok


def test_a_failed_execution_releases_the_whole_reservation(tenant, monkeypatch):
    # given
    capsule = make_capsule(platform())
    stream = stream_with_points(tenant, n=100)
    account = funded_account(tenant, 100_000)
    run = services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk,
                                     inputs={"streams": [stream.pk]})

    def broken(self, **kwargs):
        raise ValueError("values and timestamps must be finite")

    monkeypatch.setattr(RegimeMonitorRunner, "execute", broken)
    # when
    outcome = services.capsule_run_execute(run_id=run.pk)
    # then
    run.refresh_from_db()
    assert outcome == "failed" and "finite" in run.error
    assert Hold.objects.get(pk=run.hold_id).status == "voided"
    assert refreshed(account).balance == 100_000 and refreshed(account).pending_debits == 0
    assert not UsageEvent.objects.filter(run=run).exists()
    assert ledger_verify().ok


def test_a_free_capsule_runs_without_a_hold_or_a_charge(tenant):
    # given
    capsule = make_capsule(platform(), price_per_run=0)
    stream = stream_with_points(tenant, n=100)
    # when
    run = services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk,
                                     inputs={"streams": [stream.pk]})
    services.capsule_run_execute(run_id=run.pk)
    # then
    run.refresh_from_db()
    assert run.hold_id is None and run.status == "succeeded" and run.charged == 0
    assert UsageEvent.objects.filter(run=run, metric="points", quantity=100, ceu_amount=0).exists()


def test_only_the_owner_runs_a_draft_and_nobody_runs_a_retired_capsule(tenant):
    # given
    owner = platform()
    draft = make_capsule(owner, publish=False)
    retired = make_capsule(owner, version="0.9.0")
    services.capsule_retire(actor=ACTOR, tenant=owner, capsule_id=retired.pk)
    stream = stream_with_points(tenant, n=50)
    funded_account(tenant, 100_000)
    # when
    with pytest.raises(ApplicationError) as draft_refused:
        services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=draft.pk, inputs={"streams": [stream.pk]})
    with pytest.raises(ApplicationError) as retired_refused:
        services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=retired.pk,
                                   inputs={"streams": [stream.pk]})
    # then
    assert draft_refused.value.status == 404
    assert retired_refused.value.code == "not_published" and retired_refused.value.status == 409


@pytest.mark.parametrize("inputs, field", [
    ({"streams": []}, "streams"),
    ({"streams": [1], "colour": "red"}, "inputs"),
    ({"streams": "all"}, "streams"),
    ({"streams": [1], "start": "yesterday"}, "start"),
])
def test_inputs_are_checked_against_the_capsule_schema_with_field_errors(tenant, inputs, field):
    # given
    capsule = make_capsule(platform())
    # when
    with pytest.raises(ApplicationError) as refused:
        services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk, inputs=inputs)
    # then
    assert refused.value.code == "invalid_inputs" and field in refused.value.extra["fields"]


def test_another_tenants_stream_is_an_unknown_stream(tenant, other_tenant):
    # given
    capsule = make_capsule(platform())
    theirs = stream_with_points(other_tenant, n=50)
    funded_account(tenant, 100_000)
    # when
    with pytest.raises(ApplicationError) as refused:
        services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk, inputs={"streams": [theirs.pk]})
    # then
    assert refused.value.extra["fields"]["streams"] == [f"Unknown stream(s): {theirs.pk}."]
