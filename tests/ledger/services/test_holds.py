from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.ledger import services
from apps.ledger.models import Hold
from tests.ledger.factories import ACTOR, funded_account, refreshed

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(tenant, other_tenant):
    return funded_account(tenant, 1_000), funded_account(other_tenant)


def _hold(tenant, pair, amount=400, **kwargs):
    src, dst = pair
    return services.hold_create(actor=ACTOR, tenant=tenant, client_id=kwargs.pop("client_id", "h"),
                                debit_account_id=src.pk, credit_account_id=dst.pk, amount=amount, **kwargs)


def test_a_hold_reserves_funds_without_moving_them(tenant, pair):
    # when
    _hold(tenant, pair)
    # then
    src, dst = map(refreshed, pair)
    assert (src.balance, src.pending_debits, src.available) == (1_000, 400, 600)
    assert (dst.balance, dst.pending_credits) == (0, 400)
    with pytest.raises(ApplicationError, match="Insufficient"):
        _hold(tenant, pair, amount=601, client_id="h2")


def test_posting_less_than_the_hold_releases_the_rest(tenant, pair):
    # given
    hold = _hold(tenant, pair)
    # when
    services.hold_post(actor=ACTOR, tenant=tenant, hold_id=hold.pk, amount=250)
    # then
    src, dst = map(refreshed, pair)
    assert (src.balance, src.pending_debits, dst.balance, dst.pending_credits) == (750, 0, 250, 0)


def test_a_hold_resolves_at_most_once(tenant, pair):
    # given
    hold = _hold(tenant, pair)
    services.hold_void(actor=ACTOR, tenant=tenant, hold_id=hold.pk)
    # when / then
    with pytest.raises(ApplicationError) as again:
        services.hold_post(actor=ACTOR, tenant=tenant, hold_id=hold.pk)
    assert again.value.code == "hold_not_pending" and again.value.status == 409
    with pytest.raises(ApplicationError):
        services.hold_void(actor=ACTOR, tenant=tenant, hold_id=hold.pk)
    assert refreshed(pair[0]).available == 1_000


def test_posting_more_than_held_is_refused(tenant, pair):
    # given
    hold = _hold(tenant, pair)
    # when / then
    with pytest.raises(ApplicationError) as refused:
        services.hold_post(actor=ACTOR, tenant=tenant, hold_id=hold.pk, amount=401)
    assert refused.value.code == "hold_amount_exceeded"
    assert Hold.objects.get(pk=hold.pk).status == "pending"


def test_expired_holds_are_voided_by_the_periodic_task(tenant, pair):
    # given
    soon = _hold(tenant, pair, client_id="soon", expires_at=timezone.now() + timedelta(seconds=30))
    later = _hold(tenant, pair, amount=100, client_id="later", expires_at=timezone.now() + timedelta(hours=1))
    # when
    expired = services.holds_expire(now=timezone.now() + timedelta(minutes=1))
    # then
    assert expired == 1
    assert Hold.objects.get(pk=soon.pk).status == "expired" and Hold.objects.get(pk=later.pk).status == "pending"
    assert refreshed(pair[0]).pending_debits == 100


def test_a_hold_client_id_replays(tenant, pair):
    # when
    first, second = _hold(tenant, pair), _hold(tenant, pair)
    # then
    assert first.pk == second.pk and refreshed(pair[0]).pending_debits == 400


def test_releasing_a_pending_hold_voids_it_once_and_a_settled_one_is_left_alone(tenant, pair):
    # given
    from django.db import transaction

    from apps.ledger.services.holds import hold_release_pending_in_transaction

    pending, posted = _hold(tenant, pair, amount=300), _hold(tenant, pair, amount=200, client_id="h2")
    services.hold_post(actor=ACTOR, tenant=tenant, hold_id=posted.pk)
    # when
    with transaction.atomic():
        released = [hold_release_pending_in_transaction(actor=ACTOR, hold_id=h)
                    for h in (pending.pk, pending.pk, posted.pk, None)]
    # then
    assert released == [True, False, False, False]
    assert Hold.objects.get(pk=pending.pk).status == "voided" and Hold.objects.get(pk=posted.pk).status == "posted"
    assert refreshed(pair[0]).available == 800
