"""The alerts list: filters (stream, severity, status, period), keyset pages newest first, bulk acknowledge, and a
link from each alert to its stream's chart at that moment."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.portal.pages.common import TenantRequest, actor_of, tenant_page
from apps.signals import selectors, services
from apps.signals.models import AlertStatus, Severity
from apps.tenants.roles import Permission

PAGE_SIZE = 50
PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
PERIOD_LABELS = [("24h", "Last 24 hours"), ("7d", "Last 7 days"), ("30d", "Last 30 days"), ("all", "Any time")]


def _cursor(value: str) -> tuple[datetime, int] | None:
    """`<epoch microseconds>.<id>` of the last alert shown; anything else starts from the newest."""
    stamp, _, pk = value.partition(".")
    if not (stamp.isdigit() and pk.isdigit()):
        return None
    return datetime.fromtimestamp(int(stamp) / 1_000_000, tz=UTC), int(pk)


def _filters(request: HttpRequest) -> dict[str, str]:
    """The query's filters, each kept only if it is a value the page offers (so a bad link shows everything)."""
    get = request.GET
    status = get.get("status", AlertStatus.OPEN)
    return {
        "stream": get.get("stream", "") if get.get("stream", "").isdigit() else "",
        "severity": get.get("severity", "") if get.get("severity") in Severity.values else "",
        "status": status if status in (*AlertStatus.values, "all") else AlertStatus.OPEN,
        "period": get.get("period", "all") if get.get("period") in PERIODS else "all",
    }


@tenant_page()
def alerts(request: TenantRequest) -> HttpResponse:
    chosen = _filters(request)
    period = PERIODS.get(chosen["period"])
    rows = list(selectors.alert_search(
        tenant=request.tenant, stream_id=int(chosen["stream"]) if chosen["stream"] else None,
        severity=chosen["severity"] or None, status=None if chosen["status"] == "all" else chosen["status"],
        since=timezone.now() - period if period else None,
        before=_cursor(request.GET.get("before", "")))[:PAGE_SIZE + 1])
    page, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    query = urlencode(chosen)
    older = None
    if more:
        last = page[-1]
        older = f"?{query}&before={int(last.ts.timestamp() * 1_000_000)}.{last.pk}"
    return render(request, "portal/alerts.html", {
        "alerts": page, "filters": chosen, "older": older, "first_page": "before" not in request.GET,
        "newest": f"?{query}", "streams": selectors.stream_list(tenant=request.tenant).order_by("name"),
        "severities": Severity.choices, "statuses": [*AlertStatus.choices, ("all", "All")],
        "periods": PERIOD_LABELS, "bulk": True})


@tenant_page(Permission.ANALYZE)
@require_POST
def alerts_acknowledge(request: TenantRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("alert") if v.isdigit()]
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if not ids:
        messages.error(request, "Select the alerts to acknowledge first.")
        return redirect(back or "portal:alerts")
    changed = services.alert_acknowledge_many(actor=actor_of(request), tenant=request.tenant, alert_ids=ids,
                                              note=request.POST.get("note", ""))
    skipped = len(set(ids)) - changed
    messages.success(request, f"{changed} alert(s) acknowledged" +
                     (f"; {skipped} skipped (no longer open)." if skipped else "."))
    return redirect(back or "portal:alerts")


def chart_moment(request: HttpRequest) -> datetime | None:
    """`?at=<unix seconds>`: the moment an alert's link asks the stream page to show."""
    at = request.GET.get("at", "")
    return datetime.fromtimestamp(int(at), tz=UTC) if at.isdigit() and len(at) <= 12 else None

