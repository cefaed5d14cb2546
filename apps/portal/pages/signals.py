from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.portal.forms import StreamCreateForm
from apps.portal.pages.alerts import chart_moment
from apps.portal.pages.common import TenantRequest, actor_of, tenant_page
from apps.portal.pages.regimes import regime_view
from apps.portal.pages.stream_charts import range_alerts, stream_charts
from apps.portal.pages.stream_range import PRESET_LABELS, chart_range, range_links
from apps.signals import selectors, services
from apps.signals.models import Alert, AlertKind, Stream, WebhookEndpoint
from apps.tenants.roles import Permission

ANOMALY_ROWS = 50  # anomalies of the chart's range listed under it, newest first


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
    context: dict[str, Any] = {"stream": stream, "at": chart_moment(request), "presets": PRESET_LABELS}
    extent = selectors.point_extent(tenant=request.tenant, stream_id=stream.pk)
    chosen = chart_range(request, extent=extent, points=stream.point_count) if extent else None
    since, until = (chosen.start, chosen.end) if chosen else (None, None)
    regimes = regime_view(tenant=request.tenant, stream=stream, since=since, until=until)
    alerts = range_alerts(tenant=request.tenant, stream=stream, chosen=chosen) if chosen else []
    if chosen and extent:
        context |= {"range": chosen, "links": range_links(chosen, extent),
                    "charts": stream_charts(tenant=request.tenant, stream=stream, chosen=chosen, alerts=alerts,
                                            regimes=regimes)}
    # The anomalies table lists the range's anomalies, newest first, like the marks on the charts.
    anomalies = [a for a in reversed(alerts) if a.kind == AlertKind.ANOMALY][:ANOMALY_ROWS]
    status = 400 if chosen and chosen.errors else 200
    return render(request, "portal/stream_detail.html", context | {"alerts": anomalies, "regimes": regimes},
                  status=status)


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
