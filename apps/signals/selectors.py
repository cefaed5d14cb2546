from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from apps.core.selectors import get_or_not_found
from apps.signals.models import (
    Alert,
    Point,
    RegimeSegment,
    RegimeState,
    SignalWindow,
    Stream,
    WebhookDelivery,
    WebhookEndpoint,
)
from apps.tenants.models import Tenant


def stream_list(*, tenant: Tenant) -> QuerySet[Stream]:
    return Stream.objects.filter(tenant=tenant)


def stream_get(*, tenant: Tenant, stream_id: int) -> Stream:
    return get_or_not_found(Stream.objects.filter(tenant=tenant), "No such stream.", pk=stream_id)


def point_list(*, tenant: Tenant, stream_id: int, start: datetime | None = None,
               end: datetime | None = None) -> QuerySet[Point]:
    stream = stream_get(tenant=tenant, stream_id=stream_id)
    qs = Point.objects.filter(tenant=tenant, stream_id=stream.pk)
    if start:
        qs = qs.filter(ts__gte=start)
    if end:
        qs = qs.filter(ts__lt=end)
    return qs


def window_list(*, tenant: Tenant, stream_id: int) -> QuerySet[SignalWindow]:
    stream = stream_get(tenant=tenant, stream_id=stream_id)
    return SignalWindow.objects.filter(tenant=tenant, stream=stream)


def alert_list(*, tenant: Tenant, status: str | None = None, stream_id: int | None = None,
               kind: str | None = None) -> QuerySet[Alert]:
    qs = Alert.objects.filter(tenant=tenant).select_related("stream")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if stream_id:
        qs = qs.filter(stream_id=stream_id)
    return qs


def alert_get(*, tenant: Tenant, alert_id: int) -> Alert:
    return get_or_not_found(alert_list(tenant=tenant), "No such alert.", pk=alert_id)


def webhook_list(*, tenant: Tenant) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(tenant=tenant)


def webhook_get(*, tenant: Tenant, endpoint_id: int) -> WebhookEndpoint:
    return get_or_not_found(webhook_list(tenant=tenant), "No such webhook endpoint.", pk=endpoint_id)


def delivery_list(*, tenant: Tenant, endpoint_id: int) -> QuerySet[WebhookDelivery]:
    endpoint = webhook_get(tenant=tenant, endpoint_id=endpoint_id)
    return WebhookDelivery.objects.filter(tenant=tenant, endpoint=endpoint)


def regime_list(*, tenant: Tenant, stream_id: int) -> QuerySet[RegimeSegment]:
    stream = stream_get(tenant=tenant, stream_id=stream_id)
    return RegimeSegment.objects.filter(tenant=tenant, stream=stream)


def regime_state_get(*, tenant: Tenant, stream_id: int) -> RegimeState | None:
    return RegimeState.objects.filter(tenant=tenant, stream_id=stream_id).first()


def alert_search(*, tenant: Tenant, stream_id: int | None = None, severity: str | None = None,
                 status: str | None = None, since: datetime | None = None, until: datetime | None = None,
                 before: tuple[datetime, int] | None = None) -> QuerySet[Alert]:
    """Newest first over (ts, id), a unique and stable order; `before` is the (ts, id) of the last row already
    shown, so a page is a keyset seek and never counts the table."""
    qs = alert_list(tenant=tenant, status=status, stream_id=stream_id)
    if severity:
        qs = qs.filter(severity=severity)
    if since is not None:
        qs = qs.filter(ts__gte=since)
    if until is not None:
        qs = qs.filter(ts__lt=until)
    if before is not None:
        ts, pk = before
        qs = qs.filter(Q(ts__lt=ts) | Q(ts=ts, pk__lt=pk))
    return qs.order_by("-ts", "-id")
