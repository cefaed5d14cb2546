"""The Energy page: what the tenant's work used (energy with its source, CO2e, CEU and its energy part) per job
and per capsule run, as a daily trend and a keyset-paged table, with a streamed CSV of the same filters. A
partner also sees its clients' figures (Tenant.clients); a client sees only its own."""
from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from apps.ops import reports
from apps.ops.models import JobEnergy
from apps.portal.pages.common import TenantRequest, tenant_page
from apps.tenants import rls
from apps.tenants.models import Tenant
from apps.tenants.selectors import client_tenant_list

PAGE_SIZE = 50
CSV_CHUNK = 2000  # rows fetched per round trip while streaming; a CSV of a year stays flat in memory
PERIODS = [("7d", "Last 7 days"), ("30d", "Last 30 days"), ("90d", "Last 90 days"), ("custom", "Between dates")]
MAX_SPAN_DAYS = 366


class EnergyFilterForm(forms.Form):
    period = forms.ChoiceField(choices=PERIODS, required=False)
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.CharField(required=False, max_length=64)
    tenant = forms.IntegerField(required=False, min_value=1)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("period") == "custom":
            start, end = data.get("start"), data.get("end")
            if start is None:
                self.add_error("start", "Choose the first day.")
            if end is None:
                self.add_error("end", "Choose the last day.")
            if start and end and start > end:
                self.add_error("end", "The last day comes before the first.")
            elif start and end and (end - start).days >= MAX_SPAN_DAYS:
                self.add_error("end", f"Choose at most {MAX_SPAN_DAYS} days.")
        return data


def _visible(request: TenantRequest) -> dict[int, Tenant]:
    """The viewer's own tenant, then its clients when it is a partner."""
    return {request.tenant.pk: request.tenant, **{c.pk: c for c in client_tenant_list(tenant=request.tenant)}}


def _days(data: dict[str, object]) -> tuple[date, date]:
    """First and last UTC day of the chosen period, both included."""
    today = timezone.now().astimezone(UTC).date()
    period = data.get("period") or "30d"
    if period == "custom":
        return data["start"], data["end"]  # type: ignore[return-value]  # clean() made both dates
    return today - timedelta(days=int(str(period)[:-1]) - 1), today


def _query(form: EnergyFilterForm, visible: dict[int, Tenant]) -> tuple[tuple[int, ...], reports.EnergyQuery,
                                                                             tuple[date, date]]:
    data = form.cleaned_data
    wanted = data.get("tenant")
    if wanted is not None and wanted not in visible:
        raise Http404("No such tenant.")  # another tenant's figures answer as if it did not exist
    first, last = _days(data)
    start = datetime.combine(first, time.min, tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)
    tenants = (wanted,) if wanted is not None else tuple(visible)
    return tenants, reports.EnergyQuery(start=start, end=end, kind=data.get("kind") or ""), (first, last)


def _cursor(value: str) -> tuple[datetime, int] | None:
    """`<epoch microseconds>.<id>` of the last row shown; anything else starts from the newest."""
    stamp, _, pk = value.partition(".")
    if not (stamp.isdigit() and pk.isdigit()):
        return None
    return datetime.fromtimestamp(int(stamp) / 1_000_000, tz=UTC), int(pk)


def _trend(daily: list[reports.DayTotal], first: date, last: date) -> dict[str, object]:
    """Wh and grams per UTC day as step lines from zero: each day holds its total from its midnight to the next,
    idle days read 0, and the last point closes the last day (so even one day draws a segment)."""
    by_day = {d.day: d for d in daily}
    days = [first + timedelta(days=i) for i in range((last - first).days + 2)]  # the extra day closes the last
    ms = [int(datetime.combine(d, time.min, tzinfo=UTC).timestamp() * 1000) for d in days]
    totals = [by_day.get(d) for d in days[:-1]]
    wh = [t.joules / 3600 if t else 0.0 for t in totals]
    grams = [t.co2e_grams if t else 0.0 for t in totals]

    def chart(name: str, values: list[float]) -> dict[str, object]:
        points = [[m, v] for m, v in zip(ms, [*values, values[-1]], strict=True)]
        return {"time": True, "zero": True, "range": [ms[0], ms[-1]],
                "series": [{"name": name, "step": True, "points": points}]}

    return {"energy": chart("Energy (Wh)", wh), "co2e": chart("CO2e (g)", grams)}


# Measured work that has its own page; a partner sees its clients' rows but not their pages (those are theirs).
DETAIL_PAGES = {"lab.labjob": "portal:lab_job", "capsules.capsulerun": "portal:capsule_run_detail"}


def _detail_url(row: JobEnergy, viewer: Tenant) -> str:
    name = DETAIL_PAGES.get(row.ref_type)
    return reverse(name, args=[row.ref_id]) if name and row.tenant_id == viewer.pk else ""


def _page_context(request: TenantRequest, form: EnergyFilterForm, visible: dict[int, Tenant]) -> dict[str, object]:
    tenants, query, (first, last) = _query(form, visible)
    # The request runs in the viewer's tenant context; row-level security lets a partner read its clients' rows
    # (JobEnergy.rls_extra_visibility), nothing more.
    rows = list(reports.job_energy_list(tenants=tenants, query=query,
                                        before=_cursor(request.GET.get("before", "")))[:PAGE_SIZE + 1])
    totals = reports.job_energy_totals(tenants=tenants, query=query)
    daily = reports.job_energy_daily(tenants=tenants, query=query)
    by_kind = reports.job_energy_by_kind(tenants=tenants, query=query)
    kinds = reports.job_energy_kinds(tenants=tuple(visible))
    page, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    filters = {k: v for k, v in request.GET.items() if k in form.fields and v}
    older = None
    if more:
        last_shown = f"{int(page[-1].finished_at.timestamp() * 1_000_000)}.{page[-1].pk}"
        older = f"?{urlencode({**filters, 'before': last_shown})}"
    return {"rows": [(r, _detail_url(r, request.tenant)) for r in page], "totals": totals,
            "trend": _trend(daily, first, last), "by_kind": by_kind, "kinds": kinds, "first": first,
            "last": last, "older": older, "first_page": "before" not in request.GET,
            "newest": f"?{urlencode(filters)}", "csv_query": urlencode(filters),
            "families": sorted({k.split(".", 1)[0] for k in kinds}), "clients": len(visible) > 1}


@tenant_page()
def energy(request: TenantRequest) -> HttpResponse:
    visible = _visible(request)
    form = EnergyFilterForm(request.GET or {"period": "30d"})
    context: dict[str, object] = {"form": form, "visible": visible}
    if not form.is_valid():
        return render(request, "portal/energy.html", context, status=400)
    context.update(_page_context(request, form, visible))
    return render(request, "portal/energy.html", context)


CSV_HEADER = ["finished_at", "tenant", "kind", "queue", "ref_type", "ref_id", "size", "wall_s", "cpu_s", "joules",
              "kwh", "gpu_joules", "source", "estimated", "region", "gco2_per_kwh", "co2e_grams",
              "ceu_charged_minor", "ceu_energy_minor"]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _safe(cell: str) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula; a tenant's name must never do that.
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _csv_line(row: JobEnergy) -> list[object]:
    return [row.finished_at.isoformat(), _safe(row.tenant.name), _safe(row.kind), row.queue, row.ref_type,
            row.ref_id, row.size, row.wall_s, row.cpu_s, row.joules, row.joules / 3.6e6, row.gpu_joules, row.source,
            row.estimated, _safe(row.region), row.gco2_per_kwh, row.co2e_grams, row.ceu_charged, row.ceu_energy]


def _csv_rows(viewer: int, tenants: tuple[int, ...], query: reports.EnergyQuery) -> Iterator[str]:
    # Runs while the response streams, after the view (and TenantMiddleware) returned: it opens its own scope.
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    with rls.tenant_scope(viewer):
        for row in reports.job_energy_list(tenants=tenants, query=query).iterator(chunk_size=CSV_CHUNK):
            yield writer.writerow(_csv_line(row))


@tenant_page()
def energy_csv(request: TenantRequest) -> HttpResponse | StreamingHttpResponse:
    visible = _visible(request)
    form = EnergyFilterForm(request.GET or {"period": "30d"})
    if not form.is_valid():
        return HttpResponse("\n".join(f"{field}: {'; '.join(str(e) for e in errors)}"
                                     for field, errors in form.errors.items()),
                            status=400, content_type="text/plain; charset=utf-8")
    tenants, query, (first, last) = _query(form, visible)
    response = StreamingHttpResponse(_csv_rows(request.tenant.pk, tenants, query),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="energy-{first.isoformat()}-{last.isoformat()}.csv"'
    return response
