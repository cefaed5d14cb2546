"""Subscriptions: the capsule runs once per elapsed UTC day over that day's points. Each day's run is opened,
held and metered exactly like a requested run, at most once per (subscription, day) — a unique constraint."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone as dj_timezone

from apps.capsules.errors import CapsuleErrorCode
from apps.capsules.models import CapsuleState, Subscription
from apps.capsules.services.runs import inputs_validate, run_open_in_transaction, runnable_capsule
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.core.selectors import get_or_not_found
from apps.ledger.errors import LedgerErrorCode
from apps.ledger.services.retry import with_retries
from apps.ops.services import audit_record
from apps.signals.models import Stream
from apps.tenants import rls
from apps.tenants.models import Tenant

MAX_DAYS_PER_PASS = 31  # catching up after an outage: a month of days per subscription per pass
ACTOR = Actor.system("capsule_subscriptions_meter")


@transaction.atomic(durable=True)
def subscription_create(*, actor: Actor, tenant: Tenant, capsule_id: int, streams: list[int]) -> Subscription:
    capsule = runnable_capsule(tenant, capsule_id)
    if capsule.state != CapsuleState.PUBLISHED:
        raise ApplicationError("Subscriptions are to published capsules.", code=CapsuleErrorCode.NOT_PUBLISHED,
                               status=409)
    inputs = inputs_validate(capsule, {"streams": streams})
    known = set(Stream.objects.filter(tenant=tenant, pk__in=streams).values_list("pk", flat=True))
    unknown = [s for s in streams if s not in known]
    if unknown:
        raise ApplicationError(f"Unknown stream(s): {', '.join(map(str, unknown))}.",
                               code=CapsuleErrorCode.INVALID_INPUTS,
                               extra={"fields": {"streams": ["Unknown stream(s)."]}})
    subscription = Subscription(tenant=tenant, capsule=capsule, inputs=inputs,
                                starts_on=dj_timezone.now().astimezone(UTC).date())
    subscription.full_clean()
    subscription.save()
    audit_record(actor=actor, action="capsule.subscribe", obj=subscription, tenant_id=tenant.pk,
                 after={"capsule": capsule.pk, "streams": streams})
    return subscription


@transaction.atomic(durable=True)
def subscription_cancel(*, actor: Actor, tenant: Tenant, subscription_id: int) -> Subscription:
    subscription = get_or_not_found(Subscription.objects.select_for_update().filter(tenant=tenant),
                                    "No such subscription.", pk=subscription_id)
    if subscription.status == Subscription.Status.CANCELLED:
        raise ApplicationError("This subscription is already cancelled.", code=CapsuleErrorCode.SUBSCRIPTION_STATE,
                               status=409)
    _set_status(subscription, Subscription.Status.CANCELLED, "Cancelled by the subscriber.", actor)
    return subscription


def _set_status(subscription: Subscription, status: str, reason: str, actor: Actor) -> None:
    before = {"status": subscription.status}
    subscription.status, subscription.status_reason = status, reason[:500]
    subscription.save(update_fields=["status", "status_reason", "updated_at"])
    audit_record(actor=actor, action=f"capsule.subscription_{status}", obj=subscription,
                 tenant_id=subscription.tenant_id, before=before, after={"status": status, "reason": reason})


def _day_range(day: date) -> dict[str, str]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return {"start": start.isoformat(), "end": (start + timedelta(days=1)).isoformat()}


def _meter_day(subscription_id: int, day: date) -> bool:
    """One day of one subscription in its own transaction; False when metering must stop for it."""
    with transaction.atomic(durable=True):
        sub = Subscription.objects.select_for_update().select_related("tenant", "capsule").get(pk=subscription_id)
        if sub.status != Subscription.Status.ACTIVE or (sub.metered_through and sub.metered_through >= day):
            return False
        if sub.capsule.state != CapsuleState.PUBLISHED:
            _set_status(sub, Subscription.Status.CANCELLED, f"The capsule is {sub.capsule.state}.", ACTOR)
            return False
        try:
            with transaction.atomic():
                run_open_in_transaction(actor=ACTOR, tenant=sub.tenant, capsule_id=sub.capsule_id,
                                        inputs={**sub.inputs, **_day_range(day)}, subscription=sub,
                                        period_start=day)
        except ApplicationError as exc:
            if exc.code == LedgerErrorCode.INSUFFICIENT_CEU.value:
                _set_status(sub, Subscription.Status.SUSPENDED, f"{day}: {exc.message}", ACTOR)
                return False
            if exc.code != CapsuleErrorCode.NO_DATA.value:
                raise
        sub.metered_through = day  # a day without data is metered too: nothing to charge
        sub.save(update_fields=["metered_through", "updated_at"])
        return True


def subscriptions_meter(*, today: date | None = None) -> int:
    """Periodic: opens the runs of every elapsed, unmetered day of every active subscription. Returns the number
    of days metered. Safe to run concurrently: each day is claimed under the subscription's row lock."""
    today = today or dj_timezone.now().astimezone(UTC).date()
    with rls.system_context(reason="metering sweeps every tenant's subscriptions"):
        due = list(Subscription.objects.filter(status=Subscription.Status.ACTIVE).order_by("pk")
                   .values_list("pk", "starts_on", "metered_through"))
        metered = 0
        for pk, starts_on, through in due:
            day = through + timedelta(days=1) if through else starts_on
            for _ in range(MAX_DAYS_PER_PASS):
                if day >= today or not with_retries(partial(_meter_day, pk, day)):
                    break
                metered, day = metered + 1, day + timedelta(days=1)
    return metered
