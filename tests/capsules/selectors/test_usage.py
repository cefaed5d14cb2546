from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.capsules import selectors, services
from apps.capsules.models import UsageEvent
from tests.capsules.factories import ACTOR, make_capsule, platform, stream_with_points
from tests.ledger.factories import funded_account

pytestmark = pytest.mark.django_db


def _charged_run(tenant, capsule, stream, when: datetime) -> int:
    run = services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk,
                                     inputs={"streams": [stream.pk]})
    services.capsule_run_execute(run_id=run.pk)
    UsageEvent.objects.filter(run=run).update(occurred_at=when)
    run.refresh_from_db()
    return run.charged


def test_usage_is_aggregated_per_day_and_capsule(tenant):
    # given
    owner = platform()
    monitor, other = make_capsule(owner), make_capsule(owner, name="Second monitor")
    stream = stream_with_points(tenant, n=200)
    funded_account(tenant, 1_000_000)
    day1, day2 = datetime(2026, 3, 1, 9, tzinfo=UTC), datetime(2026, 3, 2, 23, tzinfo=UTC)
    a = _charged_run(tenant, monitor, stream, day1)
    b = _charged_run(tenant, monitor, stream, day1.replace(hour=17))
    c = _charged_run(tenant, other, stream, day2)
    # when
    rows = selectors.usage_daily(tenant=tenant, start=datetime(2026, 3, 1, tzinfo=UTC),
                                 end=datetime(2026, 3, 3, tzinfo=UTC))
    # then
    assert [(str(r.day), r.capsule_name, r.ceu, r.runs, r.points) for r in rows] == [
        ("2026-03-01", "Regime monitor 1.0.0", a + b, 2, 400), ("2026-03-02", "Second monitor 1.0.0", c, 1, 200)]


def test_another_tenants_usage_is_not_counted(tenant, other_tenant):
    # given
    capsule = make_capsule(platform())
    stream = stream_with_points(other_tenant, n=100)
    funded_account(other_tenant, 100_000)
    _charged_run(other_tenant, capsule, stream, datetime(2026, 3, 1, tzinfo=UTC))
    # when
    rows = selectors.usage_daily(tenant=tenant)
    # then
    assert rows == [] and not selectors.usage_event_list(tenant=tenant).exists()
