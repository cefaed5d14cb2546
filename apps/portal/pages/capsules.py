"""Portal pages of the capsules app: the catalogue, running and subscribing, runs and their proofs, usage
analytics, and (for the platform and partners) managing their own capsules and revenue."""
from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone as dj_timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from apps.capsules import selectors, services
from apps.capsules.models import Capsule, CapsuleKind, CapsuleRun, Subscription
from apps.core.errors import ApplicationError
from apps.ledger.amounts import amount_text
from apps.ops.energy.records import energy_estimate, energy_view
from apps.portal.pages.common import TenantRequest, actor_of, tenant_page
from apps.signals.selectors import stream_list
from apps.tenants.roles import Permission

USAGE_DAYS = 30
CEU = Decimal(1000)


class CapsuleForm(forms.Form):
    """Prices in whole CEU with up to three decimals (stored as thousandths)."""

    name = forms.CharField(max_length=120)
    version = forms.RegexField(r"^\d+\.\d+\.\d+$", initial="1.0.0", max_length=32)
    kind = forms.ChoiceField(choices=CapsuleKind.choices)
    description = forms.CharField(widget=forms.Textarea, required=False, max_length=5000)
    price_per_run = forms.DecimalField(min_value=0, decimal_places=3, max_digits=15, initial=0)
    price_per_stream_day = forms.DecimalField(min_value=0, decimal_places=3, max_digits=15, initial=0)
    price_per_1k_points = forms.DecimalField(min_value=0, decimal_places=3, max_digits=15, initial=0)
    price_per_gpu_second = forms.DecimalField(min_value=0, decimal_places=3, max_digits=15, initial=0)
    energy_per_run_wh = forms.FloatField(min_value=0, initial=0)

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("price_per_run", "price_per_stream_day", "price_per_1k_points", "price_per_gpu_second"):
            data[name] = int(data[name] * CEU)
        return data


def _capsule_or_404(request: TenantRequest, capsule_id: int) -> Capsule:
    try:
        return selectors.capsule_get(tenant=request.tenant, capsule_id=capsule_id)
    except Capsule.DoesNotExist:
        raise Http404("No such capsule.") from None


@tenant_page()
def catalogue(request: TenantRequest) -> HttpResponse:
    capsules = list(selectors.capsule_catalogue(tenant=request.tenant).order_by("name", "-version"))
    energy = selectors.measured_energy(capsule_ids=[c.pk for c in capsules])
    rows = [(capsule, energy.get(capsule.pk)) for capsule in capsules]
    return render(request, "portal/capsules/catalogue.html", {"capsules": rows})


@tenant_page()
def capsule_detail(request: TenantRequest, capsule_id: int) -> HttpResponse:
    capsule = _capsule_or_404(request, capsule_id)
    context = {"capsule": capsule, "streams": stream_list(tenant=request.tenant).order_by("name"),
               "runs": selectors.run_list(tenant=request.tenant, capsule_id=capsule.pk).order_by("-created_at")[:20],
               "energy": selectors.measured_energy(capsule_ids=[capsule.pk]).get(capsule.pk),
               "energy_part": energy_estimate(kind=f"capsule.{capsule.kind}", size=None, cost=None),
               "inputs": _schema_rows(capsule.input_schema),
               "schema_json": json.dumps(capsule.input_schema, indent=2, ensure_ascii=False)}
    return render(request, "portal/capsules/detail.html", context)


def _schema_rows(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """A run's inputs as a person reads them: name, whether required, what kind of value, what it means."""
    required = set(schema.get("required") or [])
    rows = []
    for name, spec in (schema.get("properties") or {}).items():
        kind = spec.get("type", "any")
        if kind == "array":
            kind = f"list of {(spec.get('items') or {}).get('type', 'values')}s"
        rows.append({"name": name, "required": name in required, "kind": kind,
                     "description": spec.get("description", "")})
    return rows


def _utc(raw: str) -> str:
    """<input type="datetime-local"> carries no zone: the portal speaks UTC."""
    moment = parse_datetime(raw)
    if moment is None:
        return raw  # the service answers with a field error
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _run_inputs(request: HttpRequest) -> dict[str, Any]:
    inputs: dict[str, Any] = {"streams": [int(s) for s in request.POST.getlist("streams") if s.isdigit()]}
    for name in ("start", "end"):
        raw = request.POST.get(name, "").strip()
        if raw:
            inputs[name] = _utc(raw)
    return inputs


def _explain(exc: ApplicationError) -> str:
    fields = exc.extra.get("fields") or {}
    details = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in fields.items())
    return f"{exc.message} {details}".strip() if details and details not in exc.message else exc.message


@tenant_page(Permission.ANALYZE)
@require_POST
def capsule_run(request: TenantRequest, capsule_id: int) -> HttpResponse:
    _capsule_or_404(request, capsule_id)
    try:
        run = services.capsule_run_start(actor=actor_of(request), tenant=request.tenant, capsule_id=capsule_id,
                                         inputs=_run_inputs(request))
    except ApplicationError as exc:
        messages.error(request, _explain(exc))
        return redirect("portal:capsule_detail", capsule_id=capsule_id)
    messages.success(request, f"Run #{run.pk} queued; {amount_text(run.reserved, 'CEU')} reserved until it is charged.")
    return redirect("portal:capsule_run_detail", run_id=run.pk)


@tenant_page(Permission.ANALYZE)
@require_POST
def capsule_subscribe(request: TenantRequest, capsule_id: int) -> HttpResponse:
    _capsule_or_404(request, capsule_id)
    try:
        services.subscription_create(actor=actor_of(request), tenant=request.tenant, capsule_id=capsule_id,
                                     streams=_run_inputs(request)["streams"])
    except ApplicationError as exc:
        messages.error(request, _explain(exc))
        return redirect("portal:capsule_detail", capsule_id=capsule_id)
    messages.success(request, "Subscribed: the capsule will run once a day over each day's points.")
    return redirect("portal:capsule_usage")


@tenant_page()
def runs(request: TenantRequest) -> HttpResponse:
    rows = selectors.run_list(tenant=request.tenant).order_by("-created_at", "-id")[:100]
    return render(request, "portal/capsules/runs.html", {"runs": rows})


@tenant_page()
def run_detail(request: TenantRequest, run_id: int) -> HttpResponse:
    try:
        run = selectors.run_get(tenant=request.tenant, run_id=run_id)
    except CapsuleRun.DoesNotExist:
        raise Http404("No such run.") from None
    result = json.loads(run.result_text) if run.result_text else None
    energy = energy_view(tenant=request.tenant, ref_type=run._meta.label_lower, ref_id=run.pk)
    return render(request, "portal/capsules/run_detail.html",
                  {"run": run, "result": result, "usage": run.usage.order_by("metric"), "energy": energy})


@tenant_page()
def usage(request: TenantRequest) -> HttpResponse:
    end = dj_timezone.now().astimezone(UTC).date()
    start = end - timedelta(days=USAGE_DAYS - 1)
    rows = selectors.usage_daily(tenant=request.tenant, start=datetime.combine(start, time.min, tzinfo=UTC),
                                 end=datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC))
    days = [start + timedelta(days=i) for i in range(USAGE_DAYS)]
    by_capsule: dict[str, dict[Any, int]] = {}
    for row in rows:
        by_capsule.setdefault(row.capsule_name, {})[row.day] = row.ceu
    midnight = [int(datetime.combine(d, time.min, tzinfo=UTC).timestamp() * 1000) for d in days]
    chart = {"time": True, "zero": True, "series": [
        {"name": f"{name} (CEU)",
         "points": [[ms, per_day.get(d, 0) / 1000] for ms, d in zip(midnight, days, strict=True)]}
        for name, per_day in sorted(by_capsule.items())]}
    context = {"rows": rows[::-1], "chart": chart, "total": sum(r.ceu for r in rows), "start": start, "end": end,
               "subscriptions": selectors.subscription_list(tenant=request.tenant).order_by("-created_at")}
    return render(request, "portal/capsules/usage.html", context)


@tenant_page(Permission.ANALYZE)
@require_POST
def subscription_cancel(request: TenantRequest, subscription_id: int) -> HttpResponse:
    try:
        services.subscription_cancel(actor=actor_of(request), tenant=request.tenant, subscription_id=subscription_id)
        messages.success(request, "Subscription cancelled.")
    except Subscription.DoesNotExist:
        raise Http404("No such subscription.") from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("portal:capsule_usage")


@tenant_page(Permission.MANAGE_TENANT)
def manage(request: TenantRequest, form: CapsuleForm | None = None) -> HttpResponse:
    owned = selectors.capsule_owned_list(tenant=request.tenant).order_by("name", "-version")
    return render(request, "portal/capsules/manage.html", {
        "owned": owned, "form": form or CapsuleForm(), "revenue": selectors.revenue_by_capsule(tenant=request.tenant),
        "can_sell": request.tenant.kind in ("platform", "partner")})


@tenant_page(Permission.MANAGE_TENANT)
@require_POST
def capsule_create(request: TenantRequest) -> HttpResponse:
    form = CapsuleForm(request.POST)
    if not form.is_valid():
        return manage.__wrapped__(request, form=form)
    try:
        capsule = services.capsule_create(actor=actor_of(request), tenant=request.tenant, **form.service_kwargs())
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return manage.__wrapped__(request, form=form)
    messages.success(request, f"Draft {capsule} created. Try it, then publish it.")
    return redirect("portal:capsule_manage")


@tenant_page(Permission.MANAGE_TENANT)
@require_POST
def capsule_transition(request: TenantRequest, capsule_id: int, action: str) -> HttpResponse:
    service = {"publish": services.capsule_publish, "retire": services.capsule_retire}.get(action)
    if service is None:
        raise Http404()
    try:
        capsule = service(actor=actor_of(request), tenant=request.tenant, capsule_id=capsule_id)
        messages.success(request, f"{capsule} is now {capsule.state}.")
    except Capsule.DoesNotExist:
        raise Http404("No such capsule.") from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("portal:capsule_manage")
