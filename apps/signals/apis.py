from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.pagination import StableCursorPagination
from apps.core.serializers import BoundedIntegerField, FiniteFloatField, SafeJSONField, StrictInputSerializer
from apps.signals import selectors, services
from apps.signals.batches import MAX_ABS_VALUE, MAX_POINTS
from apps.signals.models import AlertKind, AlertStatus, StreamKind
from apps.signals.webhook_http import DeliveryError
from apps.tenants.api_base import TenantApi
from apps.tenants.roles import Permission


class StreamOutput(serializers.Serializer):
    id = BoundedIntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    units = serializers.CharField()
    asset_name = serializers.CharField()
    description = serializers.CharField()
    window_size = BoundedIntegerField()
    n_bins = BoundedIntegerField()
    value_low = FiniteFloatField(allow_null=True)
    value_high = FiniteFloatField(allow_null=True)
    point_count = BoundedIntegerField()
    last_timestamp = serializers.DateTimeField(allow_null=True)
    last_score = FiniteFloatField()
    created_at = serializers.DateTimeField()


class StreamInput(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=StreamKind.choices, default=StreamKind.NUMERIC)
    units = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    asset_name = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    description = serializers.CharField(required=False, default="", allow_blank=True)
    window_size = BoundedIntegerField(min_value=8, max_value=10_000, default=60)
    n_bins = BoundedIntegerField(min_value=2, max_value=256, default=16)
    value_low = FiniteFloatField(required=False, allow_null=True, default=None, min_value=-MAX_ABS_VALUE,
                                 max_value=MAX_ABS_VALUE)
    value_high = FiniteFloatField(required=False, allow_null=True, default=None, min_value=-MAX_ABS_VALUE,
                                  max_value=MAX_ABS_VALUE)



class StreamListApi(TenantApi):
    write_permission = Permission.ANALYZE

    @extend_schema(operation_id="streams_list", responses=StreamOutput(many=True))
    def get(self, request: Request) -> Response:
        return self.paginate(request, selectors.stream_list(tenant=self.tenant), StreamOutput)

    @extend_schema(operation_id="streams_create", request=StreamInput, responses={201: StreamOutput})
    def post(self, request: Request) -> Response:
        return self.create_response(
            request, StreamInput, lambda v: services.stream_create(actor=self.actor, tenant=self.tenant, **v),
            StreamOutput)


class StreamDetailApi(TenantApi):
    @extend_schema(operation_id="streams_retrieve", responses=StreamOutput)
    def get(self, request: Request, stream_id: int) -> Response:
        return Response(StreamOutput(selectors.stream_get(tenant=self.tenant, stream_id=stream_id)).data)


class PointsInput(StrictInputSerializer):
    points = serializers.ListField(child=SafeJSONField(), max_length=MAX_POINTS,
                                   help_text='Rows {"t": ISO 8601 or Unix seconds, "v": number} or, for '
                                             'categorical streams, {"t": ..., "symbol": "443"}.')


class IngestOutput(serializers.Serializer):
    accepted = BoundedIntegerField()
    alarms = BoundedIntegerField()
    alerts = serializers.ListField(child=BoundedIntegerField())
    windows = BoundedIntegerField()
    last_score = FiniteFloatField()
    decision_ms = FiniteFloatField()


class PointOutput(serializers.Serializer):
    t = serializers.DateTimeField(source="ts")
    v = FiniteFloatField(source="value")
    symbol = serializers.CharField()
    score = FiniteFloatField()
    alarm = serializers.BooleanField()


class PointPagination(StableCursorPagination):
    ordering = ("-ts",)
    max_page_size = 1000


class PointsApi(TenantApi):
    write_permission = Permission.ANALYZE

    @extend_schema(operation_id="stream_points_list", responses=PointOutput(many=True),
                   parameters=[OpenApiParameter("start", str), OpenApiParameter("end", str)])
    def get(self, request: Request, stream_id: int) -> Response:
        class Query(serializers.Serializer):
            start = serializers.DateTimeField(required=False)
            end = serializers.DateTimeField(required=False)

        query = Query(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.point_list(tenant=self.tenant, stream_id=stream_id, **query.validated_data)
        paginator = PointPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(PointOutput(page, many=True).data)

    @extend_schema(operation_id="stream_points_ingest", request=PointsInput, responses={201: IngestOutput},
                   description=f"Up to {MAX_POINTS} points, all or nothing; invalid rows are listed in "
                               "`extra.rows` with their index, field and reason.")
    def post(self, request: Request, stream_id: int) -> Response:
        return self.handle_idempotent(request, lambda: self._ingest(request, stream_id))

    def _ingest(self, request: Request, stream_id: int) -> Response:
        data = PointsInput(data=request.data)
        data.is_valid(raise_exception=True)
        selectors.stream_get(tenant=self.tenant, stream_id=stream_id)
        result = services.points_ingest(actor=self.actor, tenant=self.tenant, stream_id=stream_id,
                                        points=data.validated_data["points"])
        return Response(IngestOutput(result).data, status=status.HTTP_201_CREATED)


class WindowOutput(serializers.Serializer):
    index = BoundedIntegerField()
    start_ts = serializers.DateTimeField()
    end_ts = serializers.DateTimeField()
    count = BoundedIntegerField()
    mean = FiniteFloatField()
    minimum = FiniteFloatField()
    maximum = FiniteFloatField()
    energy = FiniteFloatField(allow_null=True)
    temperature = FiniteFloatField(allow_null=True)
    entropy = FiniteFloatField(allow_null=True)
    entropy_rate = FiniteFloatField(allow_null=True)
    free_energy = FiniteFloatField(allow_null=True)
    entropy_production = FiniteFloatField(allow_null=True)
    max_score = FiniteFloatField()
    valid = serializers.BooleanField()
    flags = serializers.ListField(child=serializers.CharField())
    vector = serializers.ListField(child=FiniteFloatField(allow_null=True))
    created_at = serializers.DateTimeField()


class WindowsApi(TenantApi):
    @extend_schema(operation_id="stream_windows_list", responses=WindowOutput(many=True))
    def get(self, request: Request, stream_id: int) -> Response:
        return self.paginate(request, selectors.window_list(tenant=self.tenant, stream_id=stream_id), WindowOutput)


class AlertOutput(serializers.Serializer):
    id = BoundedIntegerField()
    stream = BoundedIntegerField(source="stream_id")
    stream_name = serializers.CharField(source="stream.name")
    kind = serializers.ChoiceField(choices=AlertKind.choices, help_text="anomaly: a spike inside a regime; "
                                   "regime_change: a boundary between regimes (its summary is in `evidence`).")
    ts = serializers.DateTimeField(help_text="The point that raised it; for a regime change, the new regime's start.")
    score = FiniteFloatField(help_text="Anomalies: the regime score; regime changes: the confidence.")
    severity = serializers.CharField()
    status = serializers.CharField()
    explanation = serializers.CharField()
    evidence = SafeJSONField()
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    delay_points = BoundedIntegerField(allow_null=True, help_text="Regime changes: points of the new regime "
                                            "seen when the streaming detector confirmed it.")
    regime_alert = BoundedIntegerField(source="regime_alert_id", allow_null=True, help_text="Anomalies: the "
                                            "regime change whose boundary this alarm was.")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class AlertListApi(TenantApi):
    @extend_schema(operation_id="alerts_list", responses=AlertOutput(many=True),
                   parameters=[OpenApiParameter("status", str, enum=list(AlertStatus.values)),
                               OpenApiParameter("stream", int),
                               OpenApiParameter("kind", str, enum=list(AlertKind.values))])
    def get(self, request: Request) -> Response:
        stream = request.query_params.get("stream")
        if stream is not None and not stream.isdigit():
            raise serializers.ValidationError({"stream": ["A stream id."]})
        kind = request.query_params.get("kind")
        if kind is not None and kind not in AlertKind.values:
            raise serializers.ValidationError({"kind": [f"One of {', '.join(AlertKind.values)}."]})
        qs = selectors.alert_list(tenant=self.tenant, status=request.query_params.get("status"),
                                  stream_id=int(stream) if stream else None, kind=kind)
        return self.paginate(request, qs, AlertOutput)


class AlertDetailApi(TenantApi):
    @extend_schema(operation_id="alerts_retrieve", responses=AlertOutput)
    def get(self, request: Request, alert_id: int) -> Response:
        return Response(AlertOutput(selectors.alert_get(tenant=self.tenant, alert_id=alert_id)).data)


class NoteInput(StrictInputSerializer):
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)


class AlertAcknowledgeApi(TenantApi):
    permission = Permission.ANALYZE

    @extend_schema(operation_id="alerts_acknowledge", request=NoteInput, responses=AlertOutput)
    def post(self, request: Request, alert_id: int) -> Response:
        data = NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        selectors.alert_get(tenant=self.tenant, alert_id=alert_id)
        alert = services.alert_acknowledge(actor=self.actor, tenant=self.tenant, alert_id=alert_id,
                                           **data.validated_data)
        return Response(AlertOutput(alert).data)


class AlertResolveApi(TenantApi):
    permission = Permission.ANALYZE

    @extend_schema(operation_id="alerts_resolve", request=NoteInput, responses=AlertOutput)
    def post(self, request: Request, alert_id: int) -> Response:
        data = NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        selectors.alert_get(tenant=self.tenant, alert_id=alert_id)
        alert = services.alert_resolve(actor=self.actor, tenant=self.tenant, alert_id=alert_id,
                                       **data.validated_data)
        return Response(AlertOutput(alert).data)


class WebhookOutput(serializers.Serializer):
    id = BoundedIntegerField()
    url = serializers.URLField()
    description = serializers.CharField()
    is_active = serializers.BooleanField()
    state = serializers.ChoiceField(choices=["active", "paused", "deactivated"], help_text="paused: too many "
                                    "consecutive failures; nothing is sent until it is resumed.")
    paused_at = serializers.DateTimeField(allow_null=True)
    consecutive_failures = BoundedIntegerField()
    created_at = serializers.DateTimeField()


class WebhookInput(StrictInputSerializer):
    url = serializers.URLField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class WebhookListApi(TenantApi):
    secret_fields = ("secret",)

    write_permission = Permission.MANAGE_KEYS

    class WebhookCreated(WebhookOutput):
        secret = serializers.CharField(allow_null=True, help_text=(
            "HMAC-SHA256 signing secret; shown once. An Idempotency-Key replay answers null here (header "
            "Idempotent-Secrets-Withheld)."))

    @extend_schema(operation_id="webhooks_list", responses=WebhookOutput(many=True))
    def get(self, request: Request) -> Response:
        return self.paginate(request, selectors.webhook_list(tenant=self.tenant), WebhookOutput)

    @extend_schema(operation_id="webhooks_create", request=WebhookInput, responses={201: WebhookCreated})
    def post(self, request: Request) -> Response:
        return self.handle_idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        data = WebhookInput(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.webhook_endpoint_create(actor=self.actor, tenant=self.tenant, **data.validated_data)
        body: dict[str, Any] = dict(WebhookOutput(issued.endpoint).data, secret=issued.secret)
        return Response(body, status=status.HTTP_201_CREATED)


class WebhookDeactivateApi(TenantApi):
    permission = Permission.MANAGE_KEYS

    @extend_schema(operation_id="webhooks_deactivate", request=None, responses={204: None})
    def post(self, request: Request, endpoint_id: int) -> Response:
        selectors.webhook_get(tenant=self.tenant, endpoint_id=endpoint_id)
        services.webhook_endpoint_delete(actor=self.actor, tenant=self.tenant, endpoint_id=endpoint_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookResumeApi(TenantApi):
    permission = Permission.MANAGE_KEYS

    @extend_schema(operation_id="webhooks_resume", request=None, responses=WebhookOutput)
    def post(self, request: Request, endpoint_id: int) -> Response:
        endpoint = services.webhook_endpoint_resume(actor=self.actor, tenant=self.tenant, endpoint_id=endpoint_id)
        return Response(WebhookOutput(endpoint).data)


class _CoarseError(serializers.CharField):
    """Only a known error class ever reaches a tenant; rows written before the classes existed held raw exception
    text (addresses, ports), which is shown as the generic class."""

    def to_representation(self, value: str) -> str:
        known = {e.value for e in DeliveryError}
        return value if not value or value in known else DeliveryError.CONNECTION_FAILED.value


class DeliveryOutput(serializers.Serializer):
    id = BoundedIntegerField()
    event_id = serializers.CharField()
    event_type = serializers.CharField()
    status = serializers.CharField()
    attempts = BoundedIntegerField()
    last_status_code = BoundedIntegerField(allow_null=True)
    last_error = _CoarseError(help_text="Empty, or one of: " + ", ".join(e.value for e in DeliveryError))
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class DeliveryListApi(TenantApi):
    @extend_schema(operation_id="webhook_deliveries_list", responses=DeliveryOutput(many=True))
    def get(self, request: Request, endpoint_id: int) -> Response:
        return self.paginate(request, selectors.delivery_list(tenant=self.tenant, endpoint_id=endpoint_id),
                             DeliveryOutput)
