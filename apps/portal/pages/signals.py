from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.portal.forms import StreamCreateForm
from apps.portal.pages.alerts import chart_moment, chart_until
from apps.portal.pages.common import TenantRequest, actor_of, tenant_page
from apps.portal.pages.regimes import regime_view
from apps.signals import selectors, services
from apps.signals.models import Alert, AlertKind, Stream, WebhookEndpoint
from apps.tenants.roles import Permission

CHART_POINTS = 2000  # the latest points drawn on a stream page
FAR_FUTURE = timedelta(days=36500)  # "no end": points may carry timestamps ahead of the server's clock


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@tenant_page()
def streams(request: TenantRequest, form: StreamCreateForm | None = None, status: int = 200) -> HttpResponse:
    rows = selectors.stream_list(tenant=request.tenant).order_by("name")
    # ?new=1,2 marks the streams a template just created, so "applied" shows what it made.
    new = {int(i) for i in request.GET.get("new", "").split(",") if i.isdigit()}
    return render(request, "portal/streams.html", {"streams": rows, "form": form or StreamCreateForm(), "new": new},
                  status=status)


@tenant_page(Permission.ANALYZE)
@require_POST
def stream_create(request: TenantRequest) -> HttpResponse:
    form = StreamCreateForm(request.POST)
    if not form.is_valid():
        return streams.__wrapped__(request, form=form, status=400)
    try:
        stream = services.stream_create(actor=actor_of(request), tenant=request.tenant, **form.cleaned_data)
    except (ApplicationError, ValidationError) as exc:
        for name, errors in _field_errors(exc, "name").items():
            form.add_error(name if name in form.fields else None, errors)
        return streams.__wrapped__(request, form=form, status=400)
    messages.success(request, f"Stream “{stream.name}” created. "
                              f"Push points to POST /api/v1/streams/{stream.pk}/points/.")
    return redirect("portal:stream_detail", stream_id=stream.pk)


@tenant_page()
def stream_detail(request: TenantRequest, stream_id: int) -> HttpResponse:
    try:
        stream = selectors.stream_get(tenant=request.tenant, stream_id=stream_id)
    except Stream.DoesNotExist:
        raise Http404("No such stream.") from None
    # An alert's link (?at=) ends the charts a little after its moment; otherwise they show the latest points.
    until = chart_until(request, stream_id=stream.pk, points=CHART_POINTS) or timezone.now() + FAR_FUTURE
    points = list(selectors.point_list(tenant=request.tenant, stream_id=stream.pk).filter(ts__lte=until)
                  .order_by("-ts").values_list("ts", "value", "score")[:CHART_POINTS])[::-1]
    windows = list(selectors.window_list(tenant=request.tenant, stream_id=stream.pk).filter(end_ts__lte=until)
                   .order_by("-index").values_list("end_ts", "energy", "entropy", "entropy_production")[:500])[::-1]
    alerts = list(selectors.alert_list(tenant=request.tenant, stream_id=stream.pk, kind=AlertKind.ANOMALY)
                  .filter(ts__lte=until)
                  .order_by("-ts")[:50])
    since = points[0][0] if points else None
    regimes = regime_view(tenant=request.tenant, stream=stream, since=since)
    marks = [[_ms(a.ts), a.score] for a in alerts if since and a.ts >= since]
    charts = {
        "value": {"time": True, "series": [{"name": f"value ({stream.units or 'units'})",
                                            "points": [[_ms(t), v] for t, v, _ in points]}],
                  "bands": [[_ms(a.window_start), _ms(a.window_end)] for a in alerts if since and a.ts >= since],
                  "regimes": regimes.bands},
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
                                                         "window_count": len(windows), "regimes": regimes,
                                                         "at": chart_moment(request)})


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


ISSUED_WEBHOOK_SESSION_KEY = "portal_issued_webhook"


@tenant_page()
def webhooks(request: TenantRequest, errors: dict[str, list[str]] | None = None, status: int = 200) -> HttpResponse:
    # Like a new API key's secret: shown on the one view after the redirect, so a refresh adds no second endpoint.
    issued = request.session.pop(ISSUED_WEBHOOK_SESSION_KEY, None)
    if issued and issued.get("tenant") != request.tenant.pk:
        issued = None
    endpoints = selectors.webhook_list(tenant=request.tenant).order_by("-created_at")
    return render(request, "portal/webhooks.html", {"endpoints": endpoints, "issued": issued, "errors": errors or {},
                                                    "entered": request.POST if errors else {}},
                  status=status)


def _field_errors(exc: ApplicationError | ValidationError, default: str) -> dict[str, list[str]]:
    """A service's refusal as {field: messages}; a refusal naming no field lands on `default`."""
    if isinstance(exc, ApplicationError):
        fields = (exc.extra or {}).get("fields") or {}
        return {name: list(messages_) for name, messages_ in fields.items()} or {default: [exc.message]}
    return {name: list(messages_) for name, messages_ in exc.message_dict.items()}


@tenant_page(Permission.MANAGE_KEYS)
@require_POST
def webhook_create(request: TenantRequest) -> HttpResponse:
    try:
        issued = services.webhook_endpoint_create(actor=actor_of(request), tenant=request.tenant,
                                                  url=request.POST.get("url", "").strip(),
                                                  description=request.POST.get("description", ""))
    except (ApplicationError, ValidationError) as exc:
        # The form comes back with what was typed and the reason beside the field.
        return webhooks.__wrapped__(request, errors=_field_errors(exc, "url"), status=400)
    request.session[ISSUED_WEBHOOK_SESSION_KEY] = {"tenant": request.tenant.pk, "url": issued.endpoint.url,
                                                   "secret": issued.secret}
    return redirect("portal:webhooks")


@tenant_page(Permission.MANAGE_KEYS)
@require_POST
def webhook_deactivate(request: TenantRequest, endpoint_id: int) -> HttpResponse:
    try:
        services.webhook_endpoint_delete(actor=actor_of(request), tenant=request.tenant, endpoint_id=endpoint_id)
    except WebhookEndpoint.DoesNotExist:
        raise Http404("No such webhook.") from None
    messages.success(request, "Webhook deactivated.")
    return redirect("portal:webhooks")


@tenant_page(Permission.MANAGE_KEYS)
@require_POST
def webhook_resume(request: TenantRequest, endpoint_id: int) -> HttpResponse:
    try:
        services.webhook_endpoint_resume(actor=actor_of(request), tenant=request.tenant, endpoint_id=endpoint_id)
    except WebhookEndpoint.DoesNotExist:
        raise Http404("No such webhook.") from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("portal:webhooks")
    messages.success(request, "Webhook resumed; its waiting events are being sent.")
    return redirect("portal:webhooks")
