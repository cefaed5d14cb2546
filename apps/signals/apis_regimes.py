"""Regimes over the API: a stream's stored segments, and the stateless, paid change-point analysis."""
from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.json_values import json_safe
from apps.core.pagination import StableCursorPagination
from apps.core.serializers import BoundedIntegerField, FiniteFloatField, SafeDictField, StrictInputSerializer
from apps.ops.energy.serializers import ENERGY_HELP, EnergyOutput, energy_of
from apps.signals import selectors, services
from apps.signals.pricing import BASE_FEE, MAX_POINTS, POINTS_PER_MINOR_UNIT
from apps.signals.series import MODELS
from apps.tenants.api_base import TenantApi
from apps.tenants.roles import Permission
from kernels.changepoint import ChangePoint, Segment, Segmentation

CEU_HELP = "CEU minor units (thousandths of a CEU)."


class ChangeOutput(serializers.Serializer):
    kind = serializers.CharField(help_text="level | variance | slope | seasonal | rate")
    summary = serializers.CharField(help_text='What changed, in words and numbers ("level +3.2σ").')
    stats = SafeDictField(child=FiniteFloatField(allow_null=True))
    confidence = FiniteFloatField(allow_null=True, help_text="In [0, 1].")


class RegimeOutput(serializers.Serializer):
    start_ts = serializers.DateTimeField()
    end_ts = serializers.DateTimeField(help_text="Time of its last point.")
    count = BoundedIntegerField(help_text="Points, missing ones included.")
    n = BoundedIntegerField(help_text="Finite points.")
    mean = FiniteFloatField(allow_null=True)
    scale = FiniteFloatField(allow_null=True, help_text="Robust standard deviation.")
    slope = FiniteFloatField(allow_null=True, help_text="Per second.")
    features = SafeDictField(child=FiniteFloatField(allow_null=True))
    model = serializers.CharField(help_text="The cost model the segmentation chose.")
    change = serializers.SerializerMethodField(help_text="How this regime differs from the one before it; null "
                                                         "for the first regime of the segmented horizon.")

    def get_change(self, row: Any) -> dict[str, Any] | None:
        if not row.change_kind:
            return None
        return {"kind": row.change_kind, "summary": row.change_summary, "stats": row.change_stats,
                "confidence": row.confidence}


class RegimePagination(StableCursorPagination):
    ordering = ("-start_ts", "-id")  # segments of one stream never share a start


_REGIME_EXAMPLE = {"next": None, "previous": None, "results": [  # a stream whose level stepped from 50 to 80
    {"start_ts": "2023-11-15T03:13:20Z", "end_ts": "2023-11-15T08:12:20Z", "count": 300, "n": 300, "mean": 80.09,
     "scale": 1.948, "slope": -2.082e-05, "features": {"energy": 229.3, "temperature": 3.978, "entropy": 2.479,
                                                       "entropy_rate": 2.183, "free_energy": 219.4, "lag1": 0.0822},
     "model": "mean", "change": {"kind": "level", "summary": "level +15.4σ", "confidence": 1.0, "stats": {
         "level_sigma": 15.37, "variance_ratio": 0.9116, "mean_before": 49.97, "mean_after": 80.09,
         "slope_before": -0.02866, "slope_after": -0.07494}}},
    {"start_ts": "2023-11-14T22:13:20Z", "end_ts": "2023-11-15T03:12:20Z", "count": 300, "n": 298, "mean": 49.97,
     "scale": 2.04, "slope": -7.962e-06, "features": {"energy": 232.3, "temperature": 3.985, "entropy": 2.573,
                                                      "entropy_rate": 2.242, "free_energy": 222.1, "lag1": 0.0026},
     "model": "mean", "change": None}]}


class RegimeListApi(TenantApi):
    @extend_schema(operation_id="stream_regimes_list", responses=RegimeOutput(many=True),
                   examples=[OpenApiExample("A level shift", value=_REGIME_EXAMPLE, response_only=True)],
                   description="The stream's regimes over its latest points (up to 5,000), newest first, as the "
                               "offline segmentation last found them; refreshed about 10 s after a batch closes "
                               "a signal window. Another tenant's stream answers 404.")
    def get(self, request: Request, stream_id: int) -> Response:
        rows = selectors.regime_list(tenant=self.tenant, stream_id=stream_id)
        paginator = RegimePagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(RegimeOutput(page, many=True).data)


class ChangepointInput(StrictInputSerializer):
    """Documents the body; series_parse validates it (one fast pass over up to 100,000 values)."""

    values = serializers.ListField(child=FiniteFloatField(allow_null=True), max_length=MAX_POINTS,
                                   help_text="The series; null marks a missing value.")
    timestamps = serializers.ListField(child=serializers.CharField(), required=False,
                                       help_text="Optional, one per value, strictly increasing: Unix seconds or "
                                                 "ISO 8601 strings. Irregular spacing is fine.")
    model = serializers.ChoiceField(choices=MODELS, default="auto")
    penalty = serializers.CharField(default="auto", help_text='"auto" or a positive number.')


class SegmentOutput(serializers.Serializer):
    start = BoundedIntegerField(help_text="First index (inclusive).")
    end = BoundedIntegerField(help_text="One past the last index.")
    t_start = FiniteFloatField(allow_null=True)
    t_end = FiniteFloatField(allow_null=True)
    n = BoundedIntegerField()
    mean = FiniteFloatField(allow_null=True)
    scale = FiniteFloatField(allow_null=True)
    slope = FiniteFloatField(allow_null=True, help_text="Per second with timestamps, else per index.")
    features = SafeDictField(child=FiniteFloatField(allow_null=True))


class ChangePointOutput(serializers.Serializer):
    index = BoundedIntegerField(help_text="Index where the new segment starts (never 0).")
    t = FiniteFloatField(allow_null=True)
    confidence = FiniteFloatField(allow_null=True)
    gain = FiniteFloatField(allow_null=True, help_text="Penalised cost gain of keeping it.")
    kind = serializers.CharField()
    summary = serializers.CharField()
    stats = SafeDictField(child=FiniteFloatField(allow_null=True))


class AnalysisOutput(serializers.Serializer):
    id = BoundedIntegerField(help_text="The analysis record (the series itself is not stored).")
    points = BoundedIntegerField()
    model = serializers.CharField()
    penalty = FiniteFloatField()
    period = BoundedIntegerField(allow_null=True, help_text="Seasonal period removed, in points.")
    charged = BoundedIntegerField(help_text=CEU_HELP)
    energy = EnergyOutput(allow_null=True, help_text=ENERGY_HELP)
    segments = SegmentOutput(many=True)
    change_points = ChangePointOutput(many=True)


def _fields(item: Segment | ChangePoint, names: tuple[str, ...]) -> dict[str, Any]:
    return json_safe({name: (dict(getattr(item, name)) if name in ("features", "stats") else getattr(item, name))
                   for name in names})


_SEGMENT_FIELDS = ("start", "end", "t_start", "t_end", "n", "mean", "scale", "slope", "features")
_CHANGE_FIELDS = ("index", "t", "confidence", "gain", "kind", "summary", "stats")


def analysis_body(record: Any, result: Segmentation) -> dict[str, Any]:
    return AnalysisOutput({
        "id": record.pk, "points": record.points, "model": result.model, "penalty": json_safe(float(result.penalty)),
        "period": result.period, "charged": record.charged,
        "energy": energy_of(tenant=record.tenant_id, ref_type=record._meta.label_lower, ref_id=record.pk),
        "segments": [_fields(s, _SEGMENT_FIELDS) for s in result.segments],
        "change_points": [_fields(c, _CHANGE_FIELDS) for c in result.change_points]}).data


_ANALYSIS_REQUEST = {"values": [10.1, 9.8, 10.3, 9.9, 10.0, 10.2, 9.7, 10.1, 9.9, 10.0,
                                14.2, 13.8, 14.1, 13.9, 14.3, 14.0, 13.7, 14.2, 14.1, 13.9],
                     "timestamps": list(range(1_767_225_600, 1_767_225_600 + 20 * 60, 60))}


_F1 = {"energy": 4.07, "temperature": 0.03, "entropy": 0.673, "entropy_rate": 0.278, "free_energy": 4.05,
       "lag1": -0.7778}
_F2 = {"energy": 4.074, "temperature": 0.0336, "entropy": 0.673, "entropy_rate": 0.4243, "free_energy": 4.051,
       "lag1": -0.504}
_ANALYSIS_RESPONSE = {  # what the kernel answered for _ANALYSIS_REQUEST (floats rounded to 4 digits)
    "id": 1, "points": 20, "model": "robust", "penalty": 5.991, "period": None, "charged": 6,
    "energy": {"joules": 0.42, "gpu_joules": None, "source": "model", "estimated": True, "wall_s": 0.021,
               "cpu_s": 0.02, "region": "local", "gco2_per_kwh": 450.0, "carbon_source": "default",
               "co2e_grams": 5.25e-05, "ceu_charged": 6, "ceu_energy": 0, "energy_share": 0.000194},
    "segments": [
        {"start": 0, "end": 10, "t_start": 1767225600.0, "t_end": 1767226140.0, "n": 10, "mean": 10.0,
         "scale": 0.177, "slope": -0.0001616, "features": _F1},
        {"start": 10, "end": 20, "t_start": 1767226200.0, "t_end": 1767226740.0, "n": 10, "mean": 14.02,
         "scale": 0.2089, "slope": -0.000101, "features": _F2}],
    "change_points": [{"index": 10, "t": 1767226200.0, "confidence": 1.0, "gain": 810.9, "kind": "level",
                       "summary": "level +12.8σ", "stats": {"level_sigma": 12.78, "variance_ratio": 1.393,
                                                            "slope_before": -0.5818, "slope_after": -0.3636,
                                                            "mean_before": 10.0, "mean_after": 14.02}}]}


class ChangepointAnalyseApi(TenantApi):
    permission = Permission.ANALYZE
    idempotency_required = True  # billable: a retried request must not be charged twice

    @extend_schema(
        operation_id="changepoints_analyse", request=ChangepointInput, responses={200: AnalysisOutput},
        examples=[OpenApiExample("A level shift", value=_ANALYSIS_REQUEST, request_only=True),
                  OpenApiExample("A level shift", value=_ANALYSIS_RESPONSE, response_only=True)],
        description=f"Segments a series (up to {MAX_POINTS:,} points) and returns its segments and change points; "
                    f"nothing about the series is stored. Costs {BASE_FEE} + ceil(points / {POINTS_PER_MINOR_UNIT}) "
                    f"CEU minor units, charged only when the analysis succeeds. Requires an Idempotency-Key (a "
                    "replay returns the first answer and is not charged again). Invalid input answers 400 "
                    "`invalid_series` with `extra.fields`; too little CEU answers 402 `insufficient_ceu`.")
    def post(self, request: Request) -> Response:
        def execute() -> Response:
            analysis = services.changepoints_analyse(actor=self.actor, tenant=self.tenant, data=request.data)
            return Response(analysis_body(analysis.record, analysis.segmentation), status=status.HTTP_200_OK)

        return self.handle_idempotent(request, execute)
