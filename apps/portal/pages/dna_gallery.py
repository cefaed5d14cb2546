"""The templates page as a gallery: each use case with a picture of its failure scenario (the onset shaded, the
alerts its template raised marked), its evidence (detection rate, median delay, false alarms per 1,000 points over
out-of-sample seeds, against its own budgets) and 'try on demo data', which fills sandbox streams from the scenario."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.dna import selectors, services
from apps.dna.gallery import Picture, evidence_of, picture_of
from apps.dna.models import Industry, SignalTemplate
from apps.portal.pages.common import TenantRequest, actor_of, tenant_page
from apps.portal.pages.dna import _attempt
from apps.signals.selectors import stream_list
from apps.tenants.roles import Permission

THUMBNAIL_BUCKETS = 120  # columns of a card's picture: a phone-width card has about that many pixels


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


@dataclass(frozen=True)
class Figures:
    """What the card says, in words: evidence against the template's own budgets."""

    detection: str
    delay: str
    false_alarms: str
    budget_delay: str
    budget_false_alarms: str
    seeds: str
    meets_goal: bool | None


def figures_of(template: SignalTemplate) -> Figures:
    budgets = template.budgets or {}
    evidence = evidence_of(template.key)
    budget_delay = duration_text(budgets.get("max_delay_s"))
    budget_fa = f"{budgets['false_alarms_per_1000']:g}" if "false_alarms_per_1000" in budgets else "—"
    if evidence is None:
        return Figures("not measured", "—", "—", budget_delay, budget_fa, "", None)
    first, last = evidence.get("seeds") or [None, None]
    return Figures(detection=f"{100 * evidence['detection_rate']:.0f} %",
                   delay=duration_text(evidence.get("median_delay_s")),
                   false_alarms=f"{evidence['false_alarms_per_1000']:.2f}", budget_delay=budget_delay,
                   budget_false_alarms=budget_fa, seeds=f"seeds {first}–{last}" if first is not None else "",
                   meets_goal=bool(evidence.get("meets_goal")))


@dataclass(frozen=True)
class Card:
    template: SignalTemplate
    picture: Picture | None
    figures: Figures


@tenant_page()
def templates(request: TenantRequest) -> HttpResponse:
    industry = request.GET.get("industry") or None
    rows = selectors.template_list(industry=industry if industry in Industry.values else None)
    cards = [Card(t, picture_of(t, THUMBNAIL_BUCKETS), figures_of(t)) for t in rows]
    return render(request, "portal/dna/templates.html", {"cards": cards, "industries": Industry.choices,
                                                          "industry": industry})


@tenant_page()
def template_detail(request: TenantRequest, key: str) -> HttpResponse:
    try:
        template = selectors.template_get(key=key)
    except ObjectDoesNotExist:
        raise Http404("No such template.") from None
    streams = list(stream_list(tenant=request.tenant).order_by("name"))
    inputs = [{**spec, "streams": [s for s in streams if s.kind == spec["kind"]]} for spec in template.inputs]
    return render(request, "portal/dna/template_detail.html", {
        "template": template, "inputs": inputs, "assets": selectors.asset_list(tenant=request.tenant).order_by("key"),
        "card": Card(template, picture_of(template), figures_of(template))})


@tenant_page(Permission.ANALYZE)
@require_POST
def template_demo(request: TenantRequest, key: str) -> HttpResponse:
    post: Any = request.POST
    demo = _attempt(request, lambda: services.template_demo_create(
        actor=actor_of(request), tenant=request.tenant, template_key=key, regime=post.get("regime", "failure"),
        seed=post.get("seed") or None), None)
    if demo is None:
        return redirect("portal:dna_template", key=key)
    onset = f"; the failure starts {demo.onset:%Y-%m-%d %H:%M} UTC" if demo.onset else ""
    messages.success(request, f"Demo data loaded into the sandbox: {demo.points:,} points, {demo.alerts} anomaly "
                              f"alert(s) at ingest{onset}. Regime changes appear as the tracker confirms them.")
    return redirect(reverse("portal:stream_detail", args=[demo.streams[0]]))
