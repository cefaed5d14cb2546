"""Portal pages of the dna app: the ontology and templates, asset twins (with import, links, streams, state and
blast radius), and the graph page that draws the identity graph and a cascade over time."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.dna import impact, selectors, services
from apps.dna.errors import DnaErrorCode
from apps.dna.import_parsing import ASSET_COLUMNS, LINK_COLUMNS, import_rows
from apps.dna.models import AssetKind, LinkKind, TermCategory
from apps.dna.services.cascade import JOB_KIND as CASCADE_JOB_KIND
from apps.dna.services.cascade import cascade_trim
from apps.lab import selectors as lab_selectors
from apps.lab.models import JobStatus
from apps.ledger.amounts import amount_text
from apps.portal.pages.common import TenantRequest, actor_of, tenant_page
from apps.signals.selectors import stream_list
from apps.tenants.roles import Permission

MAX_UPLOAD = 4 * 1024 * 1024
# The picture's colours per asset kind (static/js/graph.js draws with the same ones).
KIND_COLOURS = [("Site", "#6e7781"), ("Host", "#0969da"), ("Service", "#8250df"), ("Sensor", "#1a7f37"),
                ("Equipment", "#bf8700"), ("Network", "#57606a")]
DRAWN_CASCADE_NODES = 400  # the browser's force layout is quadratic: a larger picture is slow and unreadable


def _explain(exc: ApplicationError | ValidationError) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    rows = exc.extra.get("rows") or []
    fields = exc.extra.get("fields") or {}
    details = [f"{r['section']} row {r['index'] + 1}, {r['field']}: {r['message']}" for r in rows[:10]]
    details += [f"{name}: {' '.join(map(str, msgs))}" for name, msgs in fields.items()]
    return " ".join([exc.message, *details])


def _attempt(request: HttpRequest, action: Callable[[], Any], success: str | None) -> Any:
    """Run a service; report its refusal as a message instead of an error page."""
    try:
        result = action()
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _explain(exc))
        return None
    except ObjectDoesNotExist:
        raise Http404("Not found.") from None
    if success:
        messages.success(request, success)
    return result


@tenant_page()
def ontology(request: TenantRequest) -> HttpResponse:
    category = request.GET.get("category") or None
    terms = selectors.term_list(category=category if category in TermCategory.values else None)
    return render(request, "portal/dna/ontology.html", {"terms": terms, "version": selectors.ontology_current(),
                                                         "categories": TermCategory.choices, "category": category})


@tenant_page()
def term(request: TenantRequest, key: str) -> HttpResponse:
    try:
        found = selectors.term_get(key=key)
    except ObjectDoesNotExist:
        raise Http404("No such term.") from None
    return render(request, "portal/dna/term.html", {"term": found, "outgoing": found.relations_out.all(),
                                                     "incoming": found.relations_in.all()})


@tenant_page(Permission.ANALYZE)
@require_POST
def template_instantiate(request: TenantRequest, key: str) -> HttpResponse:
    bindings = {k[len("bind_"):]: v for k, v in request.POST.items() if k.startswith("bind_") and v}
    asset = request.POST.get("asset") or None
    instance = _attempt(request, lambda: services.template_instantiate(
        actor=actor_of(request), tenant=request.tenant, template_key=key,
        name_prefix=request.POST.get("name_prefix", "").strip() or key.split(".")[-1],
        asset_id=int(asset) if asset and asset.isdigit() else None, bindings=bindings), None)
    if instance is None:
        return redirect("portal:dna_template", key=key)
    created = [b["stream"] for b in instance.bindings.values() if b["created"]]
    messages.success(request, f"Template applied: {len(created)} stream(s) created, "
                              f"{len(instance.bindings) - len(created)} bound.")
    # Go to what was made: the asset it equipped, else the streams list with the new streams marked.
    if instance.asset_id:
        return redirect("portal:dna_asset", asset_id=instance.asset_id)
    ids = ",".join(str(b["stream"]) for b in instance.bindings.values())
    return redirect(f"{reverse('portal:streams')}?new={ids}")


@tenant_page()
def assets(request: TenantRequest) -> HttpResponse:
    kind, search = request.GET.get("kind") or None, request.GET.get("q") or None
    rows = selectors.asset_list(tenant=request.tenant, kind=kind if kind in AssetKind.values else None,
                                search=search).order_by("key")[:500]
    return render(request, "portal/dna/assets.html", {
        "assets": rows, "kinds": AssetKind.choices, "kind": kind, "q": search or "",
        "mirror": selectors.mirror_status(tenant=request.tenant), "asset_columns": ",".join(ASSET_COLUMNS),
        "link_columns": ",".join(LINK_COLUMNS)})


@tenant_page(Permission.ANALYZE)
@require_POST
def asset_create(request: TenantRequest) -> HttpResponse:
    asset = _attempt(request, lambda: services.asset_create(
        actor=actor_of(request), tenant=request.tenant, key=request.POST.get("key", "").strip(),
        name=request.POST.get("name", "").strip(), kind=request.POST.get("kind", ""),
        description=request.POST.get("description", "")), "Asset created.")
    return redirect("portal:dna_asset", asset_id=asset.pk) if asset else redirect("portal:dna_assets")


def _upload(request: HttpRequest, name: str) -> str:
    upload = request.FILES.get(name)
    if upload is None:
        return ""
    if (upload.size or 0) > MAX_UPLOAD:
        raise ApplicationError(f"{upload.name} is larger than 4 MiB; split it.", code=DnaErrorCode.INVALID_UPLOAD)
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApplicationError(f"{upload.name} is not UTF-8 text.", code=DnaErrorCode.INVALID_UPLOAD) from exc


def _import_values(request: HttpRequest) -> dict[str, Any]:
    """A JSON document {"assets": [...], "links": [...]}, or CSV files: the same rows the API takes."""
    document = _upload(request, "json_file")
    if document:
        try:
            data = json.loads(document)
        except ValueError as exc:
            raise ApplicationError(f"The JSON file is not valid JSON: {exc}.",
                                   code=DnaErrorCode.INVALID_UPLOAD) from exc
        if not isinstance(data, dict) or not all(isinstance(data.get(k, []), list) for k in ("assets", "links")):
            raise ApplicationError('The JSON file must be an object {"assets": [...], "links": [...]}.',
                                   code=DnaErrorCode.INVALID_UPLOAD)
        return {"assets": data.get("assets", []), "links": data.get("links", [])}
    return {"assets": [], "links": [], "assets_csv": _upload(request, "assets_file"),
            "links_csv": _upload(request, "links_file")}


@tenant_page(Permission.ANALYZE)
@require_POST
def asset_import(request: TenantRequest) -> HttpResponse:
    def run() -> Any:
        assets_rows, link_rows = import_rows(_import_values(request))
        result = services.assets_import(actor=actor_of(request), tenant=request.tenant, assets=assets_rows,
                                        links=link_rows)
        messages.info(request, f"{result.assets_created} assets created, {result.assets_updated} updated; "
                               f"{result.links_created} links created, {result.links_updated} updated; "
                               f"{result.unchanged} unchanged.")
        return result

    _attempt(request, run, "Import complete.")
    return redirect("portal:dna_assets")


def _asset_or_404(request: TenantRequest, asset_id: int) -> Any:
    try:
        return selectors.asset_get(tenant=request.tenant, asset_id=asset_id)
    except ObjectDoesNotExist:
        raise Http404("No such asset.") from None


@tenant_page()
def asset_detail(request: TenantRequest, asset_id: int) -> HttpResponse:
    asset = _asset_or_404(request, asset_id)
    depth = int(request.GET.get("depth", "3")) if request.GET.get("depth", "3").isdigit() else 3
    state = selectors.asset_state(tenant=request.tenant, asset_id=asset.pk)
    attached = {s.stream.pk for s in state.streams}
    return render(request, "portal/dna/asset_detail.html", {
        "asset": asset, "state": state, "open_alerts": sum(s.open_alerts for s in state.streams),
        "links": selectors.link_list(tenant=request.tenant, asset_id=asset.pk).order_by("kind", "pk"),
        "blast": impact.blast_radius(tenant=request.tenant, asset_id=asset.pk, depth=depth),
        "depth": depth, "depths": range(1, impact.MAX_DEPTH + 1), "link_kinds": LinkKind.choices,
        "others": selectors.asset_list(tenant=request.tenant).exclude(pk=asset.pk).order_by("key")[:500],
        "streams": [s for s in stream_list(tenant=request.tenant).order_by("name") if s.pk not in attached]})


@tenant_page(Permission.ANALYZE)
@require_POST
def asset_delete(request: TenantRequest, asset_id: int) -> HttpResponse:
    _asset_or_404(request, asset_id)
    _attempt(request, lambda: services.asset_delete(actor=actor_of(request), tenant=request.tenant,
                                                    asset_id=asset_id), "Asset deleted.")
    return redirect("portal:dna_assets")


@tenant_page(Permission.ANALYZE)
@require_POST
def link_create(request: TenantRequest, asset_id: int) -> HttpResponse:
    _asset_or_404(request, asset_id)
    raw_other, outgoing = request.POST.get("other", ""), request.POST.get("direction", "out") == "out"
    other = int(raw_other) if raw_other.isdigit() else 0  # no asset has id 0: the service says "No such asset."
    try:
        weight = float(request.POST.get("weight") or 1.0)
    except ValueError:
        weight = -1.0  # the service answers with the range
    _attempt(request, lambda: services.link_create(
        actor=actor_of(request), tenant=request.tenant, source_id=asset_id if outgoing else other,
        target_id=other if outgoing else asset_id, kind=request.POST.get("kind", ""), weight=weight), "Link added.")
    return redirect("portal:dna_asset", asset_id=asset_id)


@tenant_page(Permission.ANALYZE)
@require_POST
def link_delete(request: TenantRequest, asset_id: int, link_id: int) -> HttpResponse:
    _attempt(request, lambda: services.link_delete(actor=actor_of(request), tenant=request.tenant, link_id=link_id),
             "Link removed.")
    return redirect("portal:dna_asset", asset_id=asset_id)


@tenant_page(Permission.ANALYZE)
@require_POST
def stream_attach(request: TenantRequest, asset_id: int) -> HttpResponse:
    _asset_or_404(request, asset_id)
    _attempt(request, lambda: services.stream_attach(actor=actor_of(request), tenant=request.tenant,
                                                     asset_id=asset_id, stream_id=request.POST.get("stream", "")),
             "Stream attached.")
    return redirect("portal:dna_asset", asset_id=asset_id)


@tenant_page(Permission.ANALYZE)
@require_POST
def stream_detach(request: TenantRequest, asset_id: int, stream_id: int) -> HttpResponse:
    _attempt(request, lambda: services.stream_detach(actor=actor_of(request), tenant=request.tenant,
                                                     asset_id=asset_id, stream_id=stream_id), "Stream detached.")
    return redirect("portal:dna_asset", asset_id=asset_id)


def _number(raw: str | None, default: float, low: float, high: float) -> float:
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return min(max(value, low), high)


def _spread(query: Any) -> tuple[float, float]:
    """The cascade form's rate and horizon, clamped to what the form offers."""
    return _number(query.get("rate"), 1.0, 0.01, 100.0), _number(query.get("horizon"), 5.0, 0.1, 1000.0)


@tenant_page()
def graph(request: TenantRequest) -> HttpResponse:
    """The identity graph; with ?asset=, the cascade from it (frames drawn with a time slider); with ?source= and
    ?target=, the shortest impact path highlighted."""
    context: dict[str, Any] = {"graph": selectors.asset_graph(tenant=request.tenant), "cascade": None, "path": None,
                               "assets": selectors.asset_list(tenant=request.tenant).order_by("key")[:500],
                               "mirror": selectors.mirror_status(tenant=request.tenant, check_server=False),
                               "kind_colours": KIND_COLOURS}
    start = request.GET.get("asset", "")
    rate, horizon = _spread(request.GET)
    context.update(rate=rate, horizon=horizon, start=start)
    if start.isdigit():
        _asset_or_404(request, int(start))
        cascade = _attempt(request, lambda: services.cascade_simulate(tenant=request.tenant, asset_id=int(start),
                                                                      rate=rate, horizon=horizon), None)
        context["cascade"] = vars(cascade) if cascade else None
    job_id = request.GET.get("job", "")
    if job_id.isdigit():
        context.update(_cascade_job(request, int(job_id)))
    source, target = request.GET.get("source", ""), request.GET.get("target", "")
    if source.isdigit() and target.isdigit():
        _asset_or_404(request, int(source))
        _asset_or_404(request, int(target))
        path = impact.shortest_path(tenant=request.tenant, source_id=int(source), target_id=int(target))
        context["path"] = {"found": path is not None, "ids": [a.uid for a in path.assets] if path else [],
                           "keys": [a.key for a in path.assets] if path else [],
                           "strength": path.strength if path else None}
        context.update(source=source, target=target)
    return render(request, "portal/dna/graph.html", context)


def _cascade_job(request: TenantRequest, job_id: int) -> dict[str, Any]:
    """A cascade lab job: followed while it runs (the page reloads when it ends), drawn once it has succeeded."""
    try:
        job = lab_selectors.job_get(tenant=request.tenant, job_id=job_id)
    except ObjectDoesNotExist:
        raise Http404("No such job.") from None
    if job.kind != CASCADE_JOB_KIND:
        raise Http404("Not a cascade job.")
    cascade = None
    if job.status == JobStatus.SUCCEEDED:
        cascade = _attempt(request, lambda: services.cascade_from_job(tenant=request.tenant, job_id=job.pk), None)
    if cascade is not None:
        cascade = cascade_trim(cascade, DRAWN_CASCADE_NODES)
    source = selectors.asset_list(tenant=request.tenant).filter(key=job.params.get("source")).first()
    return {"job": job, "cascade": vars(cascade) if cascade else None, "start": str(source.pk) if source else ""}


@tenant_page(Permission.ANALYZE)
@require_POST
def cascade_job(request: TenantRequest) -> HttpResponse:
    """Runs the cascade from the chosen asset as a lab job, then follows it on the graph page."""
    start = request.POST.get("asset", "")
    if not start.isdigit():
        messages.error(request, "Choose the asset where the disturbance starts.")
        return redirect("portal:dna_graph")
    _asset_or_404(request, int(start))
    rate, horizon = _spread(request.POST)
    radius = int(_number(request.POST.get("radius"), 6, 1, 12))
    job = _attempt(request, lambda: services.cascade_job_submit(
        actor=actor_of(request), tenant=request.tenant, asset_id=int(start), radius=radius, rate=rate,
        horizon=horizon), None)
    if job is None:
        return redirect("portal:dna_graph")
    messages.success(request, f"Cascade job #{job.pk} queued; {amount_text(job.cost_estimate, 'CEU')} reserved.")
    return redirect(f"{reverse('portal:dna_graph')}?job={job.pk}")
