from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDay

from apps.capsules.models import Capsule, CapsuleRun, CapsuleState, RevenueShare, RunStatus, Subscription, UsageEvent
from apps.core.selectors import get_or_not_found
from apps.tenants.models import Tenant, TenantKind


def _offered(tenant: Tenant, states: list[str]) -> QuerySet[Capsule]:
    """The selectors that reach past `.filter(tenant=tenant)`: a catalogue is sold to other tenants (RLS widens
    the same way, see Capsule.rls_extra_visibility). Own capsules in any state; sellers' in `states`."""
    sellers = Q(tenant__kind=TenantKind.PLATFORM)
    if tenant.parent_id:
        sellers |= Q(tenant_id=tenant.parent_id)
    return Capsule.objects.filter(Q(tenant=tenant) | (sellers & Q(state__in=states))).select_related("tenant")


def capsule_catalogue(*, tenant: Tenant) -> QuerySet[Capsule]:
    """What `tenant` may buy: the published capsules of the platform and of its own partner, and its own."""
    return _offered(tenant, [CapsuleState.PUBLISHED])


def capsule_get(*, tenant: Tenant, capsule_id: int) -> Capsule:
    """Also a seller's retired capsule: its buyers still read what they ran."""
    return get_or_not_found(_offered(tenant, [CapsuleState.PUBLISHED, CapsuleState.RETIRED]), "No such capsule.",
                            pk=capsule_id)


def capsule_owned_list(*, tenant: Tenant) -> QuerySet[Capsule]:
    return Capsule.objects.filter(tenant=tenant)


def capsule_owned_get(*, tenant: Tenant, capsule_id: int) -> Capsule:
    return get_or_not_found(Capsule.objects.filter(tenant=tenant), "No such capsule.", pk=capsule_id)


def measured_energy(*, capsule_ids: list[int]) -> dict[int, float]:
    """Average measured energy per succeeded run (Wh), across buyers: shown next to the owner's estimate. Runs
    are other tenants' rows, so callers outside a system context see only their own runs' average."""
    rows = CapsuleRun.objects.filter(capsule_id__in=capsule_ids, status=RunStatus.SUCCEEDED) \
        .values("capsule_id").annotate(avg=Avg("energy_wh"))
    return {r["capsule_id"]: r["avg"] for r in rows}


def run_list(*, tenant: Tenant, capsule_id: int | None = None, status: str | None = None) -> QuerySet[CapsuleRun]:
    qs = CapsuleRun.objects.filter(tenant=tenant).select_related("capsule")
    if capsule_id:
        qs = qs.filter(capsule_id=capsule_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def run_get(*, tenant: Tenant, run_id: int) -> CapsuleRun:
    return get_or_not_found(run_list(tenant=tenant), "No such capsule run.", pk=run_id)


def subscription_list(*, tenant: Tenant) -> QuerySet[Subscription]:
    return Subscription.objects.filter(tenant=tenant).select_related("capsule")


def subscription_get(*, tenant: Tenant, subscription_id: int) -> Subscription:
    return get_or_not_found(subscription_list(tenant=tenant), "No such subscription.", pk=subscription_id)


def usage_event_list(*, tenant: Tenant, start: datetime | None = None, end: datetime | None = None,
                     capsule_id: int | None = None) -> QuerySet[UsageEvent]:
    qs = UsageEvent.objects.filter(tenant=tenant).select_related("capsule")
    if start:
        qs = qs.filter(occurred_at__gte=start)
    if end:
        qs = qs.filter(occurred_at__lt=end)
    if capsule_id:
        qs = qs.filter(capsule_id=capsule_id)
    return qs


@dataclass(frozen=True)
class DailyUsage:
    day: date
    capsule_id: int
    capsule_name: str
    ceu: int
    runs: int
    points: int
    stream_days: int


def usage_daily(*, tenant: Tenant, start: datetime | None = None, end: datetime | None = None) -> list[DailyUsage]:
    """CEU spent per UTC day and capsule, with the metered quantities; one GROUP BY in SQL."""
    rows = usage_event_list(tenant=tenant, start=start, end=end) \
        .annotate(day=TruncDay("occurred_at")).values("day", "capsule_id", "capsule__name", "capsule__version") \
        .annotate(ceu=Sum("ceu_amount"), runs=Sum("quantity", filter=Q(metric="run")),
                  points=Sum("quantity", filter=Q(metric="points")),
                  stream_days=Sum("quantity", filter=Q(metric="stream_day"))) \
        .order_by("day", "capsule_id")
    return [DailyUsage(day=r["day"].date(), capsule_id=r["capsule_id"],
                       capsule_name=f"{r['capsule__name']} {r['capsule__version']}", ceu=r["ceu"] or 0,
                       runs=r["runs"] or 0, points=r["points"] or 0, stream_days=r["stream_days"] or 0)
            for r in rows]


def revenue_share_list(*, tenant: Tenant) -> QuerySet[RevenueShare]:
    return RevenueShare.objects.filter(tenant=tenant).select_related("capsule", "buyer")


def revenue_by_capsule(*, tenant: Tenant) -> list[dict[str, object]]:
    """A partner's earnings per capsule: number of charged runs, CEU charged to buyers and its share."""
    rows = revenue_share_list(tenant=tenant).values("capsule_id", "capsule__name", "capsule__version") \
        .annotate(runs=Count("id"), charged=Sum("charge"), share=Sum("amount")).order_by("capsule__name")
    return [{"capsule_id": r["capsule_id"], "capsule": f"{r['capsule__name']} {r['capsule__version']}",
             "runs": r["runs"], "charged": r["charged"], "share": r["share"]} for r in rows]
