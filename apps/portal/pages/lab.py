"""Portal pages of the lab: the job list with a submit form per kind (priced before submission), a job page
with a live progress bar, the pictures, the metrics and downloads, and the artefact download itself."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.lab import selectors, services
from apps.lab.artefacts import artefact_response
from apps.lab.kinds import KINDS, JobKindSpec
from apps.lab.models import JobKind, JobStatus, LabJob
from apps.ledger import selectors as ledger_selectors
from apps.ledger.amounts import amount_text
from apps.ops.energy.records import energy_estimate, energy_view
from apps.portal.pages.common import TenantRequest, actor_of, tenant_page
from apps.portal.templatetags.numbers import readable
from apps.signals.selectors import stream_list
from apps.tenants.roles import Permission

RECENT_JOBS = 100


class FormInputError(ValueError):
    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("bad form input")
        self.fields = fields


def _spec(request: HttpRequest) -> JobKindSpec:
    name = request.POST.get("kind") or request.GET.get("kind") or "diffusion2d"
    spec = KINDS.get(name)
    if spec is None or not spec.available():
        raise Http404("No such job kind.")
    return spec


def _fields(spec: JobKindSpec, values: dict[str, str]) -> list[dict[str, Any]]:
    """The form's fields from the kind's schema; lists are JSON text areas prefilled with an example."""
    rows = []
    for name, meta in spec.schema().items():
        default = meta.get("default")
        shown = values.get(name, json.dumps(default) if meta["type"] == "list" and default is not None
                           else ("" if default is None else default))
        rows.append({"name": name, "value": shown, **meta})
    return rows


PARSERS: dict[str, Callable[[str], Any]] = {"integer": int, "number": float, "list": json.loads}


def _params(spec: JobKindSpec, post: Any) -> dict[str, Any]:
    """Form text to typed parameters; empty inputs fall back to the kind's defaults."""
    params: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, meta in spec.schema().items():
        raw = post.get(name, "").strip()
        if raw == "":
            continue
        try:
            params[name] = PARSERS.get(meta["type"], str)(raw)
        except ValueError:
            errors[f"params.{name}"] = ["Enter a number." if meta["type"] != "list" else "Enter valid JSON."]
    if errors:
        raise FormInputError(errors)
    return params


def _time_limit(post: Any) -> int | None:
    raw = post.get("time_limit_s", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise FormInputError({"time_limit_s": ["Enter whole seconds."]})
    return int(raw)


@tenant_page()
def lab(request: TenantRequest) -> HttpResponse:
    return _page(request, _spec(request), {})


def _page(request: TenantRequest, spec: JobKindSpec, values: dict[str, Any], *, quote: Any = None,
          errors: dict[str, list[str]] | None = None, status: int = 200) -> HttpResponse:
    account = ledger_selectors.account_main(tenant=request.tenant, asset="CEU")
    field_errors = {k.removeprefix("params."): v for k, v in (errors or {}).items()}
    context = {
        "jobs": selectors.job_list(tenant=request.tenant).order_by("-created_at", "-id")[:RECENT_JOBS],
        "kinds": [k for k in KINDS.values() if k.available()], "spec": spec,
        "fields": [{**f, "errors": field_errors.get(f["name"], [])} for f in _fields(spec, values)],
        "other_errors": {k: v for k, v in field_errors.items() if k not in spec.schema()},
        "time_limit_s": values.get("time_limit_s", ""), "quote": quote,
        "quote_energy": energy_estimate(kind=f"lab.{quote.kind}", size=round(quote.estimate.work), cost=quote.cost)
        if quote else None,
        "available": account.available if account is not None else 0,
        # references offered as choices instead of bare ids
        "models": selectors.job_list(tenant=request.tenant, kind=JobKind.NVP_TRAIN, status=JobStatus.SUCCEEDED)
        .order_by("-created_at")[:50] if spec.name == JobKind.NVP_FORECAST else [],
        "streams": stream_list(tenant=request.tenant).order_by("name") if spec.name == JobKind.TELEMETRY_FORECAST
        else [],
    }
    return render(request, "portal/lab/lab.html", context, status=status)


@tenant_page(Permission.ANALYZE)
@require_POST
def lab_submit(request: TenantRequest) -> HttpResponse:
    """Estimate (the "Estimate" button, for browsers without JavaScript) or submit the kind's form."""
    spec = _spec(request)
    values = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    try:
        params, limit = _params(spec, request.POST), _time_limit(request.POST)
        if request.POST.get("action") == "estimate":
            quote = services.job_quote(kind=spec.name, params=params, time_limit_s=limit, tenant=request.tenant)
            return _page(request, spec, values, quote=quote)
        job = services.job_submit(actor=actor_of(request), tenant=request.tenant, kind=spec.name, params=params,
                                  time_limit_s=limit)
    except FormInputError as exc:
        return _page(request, spec, values, errors=exc.fields, status=400)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _page(request, spec, values, errors=exc.extra.get("fields", {}), status=400)
    messages.success(request, f"Job #{job.pk} queued; {amount_text(job.cost_estimate, 'CEU')} reserved.")
    return redirect("portal:lab_job", job_id=job.pk)


def _job_or_404(request: TenantRequest, job_id: int) -> LabJob:
    try:
        return selectors.job_get(tenant=request.tenant, job_id=job_id)
    except LabJob.DoesNotExist:
        raise Http404("No such job.") from None


def _shown(name: str, value: Any, units: dict[str, str]) -> str:
    if name == "cost" and isinstance(value, int):
        return amount_text(value, "CEU")
    return readable(value, units.get(name, ""))


def _metric_rows(metrics: dict[str, Any], units: dict[str, str]
                 ) -> tuple[list[tuple[str, str]], dict[str, list[dict[str, Any]]]]:
    """Scalars for the metrics table, each with its unit; lists of rows (the graph's first reached assets) as
    their own tables."""
    scalars = [(k.replace("_", " "), _shown(k, v, units)) for k, v in sorted(metrics.items())
               if not isinstance(v, (list, dict))]
    tables = {k.replace("_", " "): [{c: _shown(c, x, units) for c, x in row.items()} for row in v]
              for k, v in metrics.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
    return scalars, tables


@tenant_page()
def lab_job(request: TenantRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id)
    kind = KINDS.get(job.kind)
    scalars, tables = _metric_rows(job.metrics, kind.metric_units if kind else {})
    pictures = [a for a in job.artefacts if a["content_type"].startswith("image/")]
    context = {"job": job, "kind": kind, "scalars": scalars, "tables": tables,
               "pictures": pictures, "params": json.dumps(job.params, indent=2),
               "energy": energy_view(tenant=request.tenant, ref_type=job._meta.label_lower, ref_id=job.pk)}
    return render(request, "portal/lab/job.html", context)


@tenant_page(Permission.ANALYZE)
@require_POST
def lab_cancel(request: TenantRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id)
    try:
        services.job_cancel(actor=actor_of(request), tenant=request.tenant, job_id=job.pk)
        messages.success(request, f"Job #{job.pk} cancelled; its CEU reservation was released.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("portal:lab_job", job_id=job.pk)


@tenant_page()
def lab_artefact(request: TenantRequest, job_id: int, name: str) -> FileResponse:
    """Streams an artefact from the lab storage; only the signed-in tenant's own jobs (404 otherwise)."""
    try:
        _, entry = selectors.artefact_entry(tenant=request.tenant, job_id=job_id, name=name)
    except LabJob.DoesNotExist:
        raise Http404("No such artefact.") from None
    return artefact_response(entry)
