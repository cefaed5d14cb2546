from __future__ import annotations

from datetime import date

import pytest

from apps.capsules import services
from apps.capsules.models import CapsuleRun, Subscription
from apps.core.errors import ApplicationError
from apps.ledger.services import ledger_verify
from tests.capsules.factories import ACTOR, make_capsule, platform, stream_with_points
from tests.ledger.factories import funded_account, refreshed

pytestmark = pytest.mark.django_db

# wave(400) covers 2023-11-14 22:13 to 2023-11-15 04:52 UTC.
FIRST_DAY, TODAY = date(2023, 11, 14), date(2023, 11, 17)


def _subscription(tenant, capsule=None) -> Subscription:
    capsule = capsule or make_capsule(platform())
    stream = stream_with_points(tenant, n=400)
    subscription = services.subscription_create(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk,
                                                streams=[stream.pk])
    Subscription.objects.filter(pk=subscription.pk).update(starts_on=FIRST_DAY)
    return subscription


def test_each_elapsed_day_is_metered_once_even_when_metering_runs_again(tenant):
    # given
    subscription = _subscription(tenant)
    account = funded_account(tenant, 100_000)
    # when
    first = services.subscriptions_meter(today=TODAY)
    again = services.subscriptions_meter(today=TODAY)
    for run in CapsuleRun.objects.filter(subscription=subscription):
        services.capsule_run_execute(run_id=run.pk)
    # then
    runs = list(CapsuleRun.objects.filter(subscription=subscription).order_by("period_start"))
    assert (first, again) == (3, 0)  # the 14th, 15th and 16th (no data: nothing to run); not today
    assert [r.period_start for r in runs] == [date(2023, 11, 14), date(2023, 11, 15)]
    assert [r.quote["quantities"]["points"] for r in runs] == [107, 293]
    assert refreshed(account).balance == 100_000 - sum(r.charged for r in CapsuleRun.objects.filter(
        subscription=subscription))
    subscription.refresh_from_db()
    assert subscription.metered_through == date(2023, 11, 16)
    assert ledger_verify().ok


def test_a_subscription_without_enough_ceu_is_suspended(tenant):
    # given
    subscription = _subscription(tenant)
    funded_account(tenant, 10)
    # when
    services.subscriptions_meter(today=TODAY)
    # then
    subscription.refresh_from_db()
    assert subscription.status == "suspended" and "CEU" in subscription.status_reason
    assert not CapsuleRun.objects.filter(subscription=subscription).exists()


def test_retiring_the_capsule_cancels_its_subscriptions_at_the_next_pass(tenant):
    # given
    owner = platform()
    capsule = make_capsule(owner)
    subscription = _subscription(tenant, capsule)
    services.capsule_retire(actor=ACTOR, tenant=owner, capsule_id=capsule.pk)
    # when
    services.subscriptions_meter(today=TODAY)
    # then
    subscription.refresh_from_db()
    assert subscription.status == "cancelled" and "retired" in subscription.status_reason


def test_only_published_capsules_take_subscriptions_and_cancelling_twice_is_refused(tenant):
    # given
    owner = tenant
    owner.kind = "partner"
    owner.save()
    draft = make_capsule(owner, publish=False)
    subscription = _subscription(tenant)
    services.subscription_cancel(actor=ACTOR, tenant=tenant, subscription_id=subscription.pk)
    # when
    with pytest.raises(ApplicationError) as draft_refused:
        services.subscription_create(actor=ACTOR, tenant=tenant, capsule_id=draft.pk, streams=[1])
    with pytest.raises(ApplicationError) as twice:
        services.subscription_cancel(actor=ACTOR, tenant=tenant, subscription_id=subscription.pk)
    # then
    assert draft_refused.value.code == "not_published" and twice.value.status == 409
