from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.bridge.query import AGGREGATES, FEATURES, MAX_LIMIT, SUBJECTS, QuerySpec, query_run
from apps.core.serializers import BoundedIntegerField, FiniteFloatField, SafeDictField, StrictInputSerializer
from apps.tenants.api_base import TenantApi


class QueryInput(StrictInputSerializer):
    subject = serializers.ChoiceField(choices=SUBJECTS, default="streams",
                                      help_text="Rank streams, or assets (over the streams attached to each).")
    feature = serializers.ChoiceField(choices=FEATURES, help_text="A window signal, or an alert count.")
    aggregate = serializers.ChoiceField(choices=sorted(AGGREGATES), default="mean",
                                        help_text="How a stream's windows combine (ignored for alert counts).")
    since = serializers.DateTimeField(required=False, help_text="Windows that closed at or after this time.")
    until = serializers.DateTimeField(required=False, help_text="... and before this time.")
    order = serializers.ChoiceField(choices=("desc", "asc"), default="desc")
    limit = BoundedIntegerField(min_value=1, max_value=MAX_LIMIT, default=10)
    search = serializers.CharField(max_length=200, required=False, help_text="Name (or asset key) contains.")
    min_value = FiniteFloatField(required=False, help_text="Keep rows whose value is at least this.")
    max_value = FiniteFloatField(required=False, help_text="Keep rows whose value is at most this.")

    def validate(self, attrs: dict) -> dict:
        if attrs.get("since") and attrs.get("until") and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": ["Must be after `since`."]})
        return attrs


class QueryRowOutput(serializers.Serializer):
    rank = BoundedIntegerField()
    id = BoundedIntegerField()
    name = serializers.CharField()
    value = FiniteFloatField()
    windows = BoundedIntegerField(help_text="Windows aggregated (0 for alert counts).")
    detail = SafeDictField()


class QueryOutput(serializers.Serializer):
    subject = serializers.CharField()
    feature = serializers.CharField()
    aggregate = serializers.CharField()
    since = serializers.DateTimeField(allow_null=True)
    until = serializers.DateTimeField(allow_null=True)
    results = QueryRowOutput(many=True)


class QueryApi(TenantApi):
    @extend_schema(
        operation_id="query_run", parameters=[QueryInput], responses=QueryOutput,
        summary="Rank streams or assets by a signal feature",
        description="Filters, aggregates and ranks your streams (or assets) by a thermodynamic signal feature or "
                    "an alert count over a time window, e.g. the five assets with the highest mean entropy "
                    "production this week. Values come from the stored windows, exactly.",
        examples=[OpenApiExample("top entropy production", response_only=True, value={
            "subject": "assets", "feature": "entropy_production", "aggregate": "mean",
            "since": "2026-11-30T00:00:00Z", "until": None,
            "results": [{"rank": 1, "id": 7, "name": "Turbine 3", "value": 0.412, "windows": 168,
                         "detail": {"key": "turbine-3", "kind": "machine", "streams": 2}}]})])
    def get(self, request: Request) -> Response:
        query = QueryInput(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        v = query.validated_data
        spec = QuerySpec(subject=v["subject"], feature=v["feature"], aggregate=v["aggregate"],
                         since=v.get("since"), until=v.get("until"), order=v["order"], limit=v["limit"],
                         search=v.get("search"), minimum=v.get("min_value"), maximum=v.get("max_value"))
        rows = query_run(tenant=self.tenant, spec=spec)
        return Response(QueryOutput({
            "subject": spec.subject, "feature": spec.feature, "aggregate": spec.aggregate,
            "since": spec.since, "until": spec.until,
            "results": [{"rank": i, "id": r.id, "name": r.name, "value": r.value, "windows": r.windows,
                         "detail": r.detail} for i, r in enumerate(rows, start=1)]}).data)
