from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.portal.pages.common import TenantRequest, actor_of, tenant_page
from apps.signals import selectors, services
from apps.signals.models import Alert, Stream, WebhookEndpoint
from apps.tenants.roles import Permission

CHART_POINTS = 2000  # the latest points drawn on a stream page


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@tenant_page()
def streams(request: TenantRequest) -> HttpResponse:
    rows = selectors.stream_list(tenant=request.tenant).order_by("name")
    return render(request, "portal/streams.html", {"streams": rows})


@tenant_page()
def stream_detail(request: TenantRequest, stream_id: int) -> HttpResponse:
    try:
        stream = selectors.stream_get(tenant=request.tenant, stream_id=stream_id)
    except Stream.DoesNotExist:
        raise Http404("No such stream.") from None
    points = list(selectors.point_list(tenant=request.tenant, stream_id=stream.pk)
                  .order_by("-ts").values_list("ts", "value", "score")[:CHART_POINTS])[::-1]
    windows = list(selectors.window_list(tenant=request.tenant, stream_id=stream.pk).order_by("-index")
                   .values_list("end_ts", "energy", "entropy", "entropy_production")[:500])[::-1]
    alerts = list(selectors.alert_list(tenant=request.tenant, stream_id=stream.pk).order_by("-ts")[:50])
    since = points[0][0] if points else None
    marks = [[_ms(a.ts), a.score] for a in alerts if since and a.ts >= since]
    charts = {
        "value": {"time": True, "series": [{"name": f"value ({stream.units or 'units'})",
                                            "points": [[_ms(t), v] for t, v, _ in points]}],
                  "bands": [[_ms(a.window_start), _ms(a.window_end)] for a in alerts if since and a.ts >= since]},
        "score": {"time": True, "zero": True,
                  "series": [{"name": "regime score", "points": [[_ms(t), s] for t, _, s in points]}],
                  "markers": marks},
        "energy": {"time": True, "series": [{"name": "energy", "points": [[_ms(t), e] for t, e, _, _ in windows]}]},
        "entropy": {"time": True, "series": [{"name": "entropy (nats)",
                                              "points": [[_ms(t), s] for t, _, s, _ in windows]},
                                             {"name": "entropy production (nats)",
                                              "points": [[_ms(t), p] for t, _, _, p in windows]}]},
    }
    return render(request, "portal/stream_detail.html", {"stream": stream, "charts": charts, "alerts": alerts,
                                                         "window_count": len(windows)})


@tenant_page()
def alerts(request: TenantRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    rows = selectors.alert_list(tenant=request.tenant, status=None if status == "all" else status).order_by("-ts")[:200]
    return render(request, "portal/alerts.html", {"alerts": rows, "status": status})


@tenant_page(Permission.ANALYZE)
@require_POST
def alert_action(request: TenantRequest, alert_id: int, action: str) -> HttpResponse:
    try:
        selectors.alert_get(tenant=request.tenant, alert_id=alert_id)
    except Alert.DoesNotExist:
        raise Http404("No such alert.") from None
    service = {"acknowledge": services.alert_acknowledge, "resolve": services.alert_resolve}.get(action)
    if service is None:
        raise Http404()
    try:
        service(actor=actor_of(request), tenant=request.tenant, alert_id=alert_id, note=request.POST.get("note", ""))
        messages.success(request, f"Alert {action}d.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(request.POST.get("next") or "portal:alerts")


@tenant_page()
def webhooks(request: TenantRequest, issued: object = None) -> HttpResponse:
    endpoints = selectors.webhook_list(tenant=request.tenant).order_by("-created_at")
    return render(request, "portal/webhooks.html", {"endpoints": endpoints, "issued": issued})


@tenant_page(Permission.MANAGE_KEYS)
@require_POST
def webhook_create(request: TenantRequest) -> HttpResponse:
    try:
        issued = services.webhook_endpoint_create(actor=actor_of(request), tenant=request.tenant,
                                                  url=request.POST.get("url", ""),
                                                  description=request.POST.get("description", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("portal:webhooks")
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("portal:webhooks")
    # The signing secret is rendered once, in this response.
    return webhooks.__wrapped__(request, issued=issued)


@tenant_page(Permission.MANAGE_KEYS)
@require_POST
def webhook_deactivate(request: TenantRequest, endpoint_id: int) -> HttpResponse:
    try:
        services.webhook_endpoint_delete(actor=actor_of(request), tenant=request.tenant, endpoint_id=endpoint_id)
    except WebhookEndpoint.DoesNotExist:
        raise Http404("No such webhook.") from None
    messages.success(request, "Webhook deactivated.")
    return redirect("portal:webhooks")
