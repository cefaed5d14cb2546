from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.capsules import selectors, services
from apps.capsules.models import CapsuleKind, RunStatus
from apps.core.serializers import BoundedIntegerField, FiniteFloatField, SafeJSONField, StrictInputSerializer
from apps.ops.energy.serializers import ENERGY_HELP, EnergyOutput, energy_of
from apps.ops.scheduling.serializers import FlexibleInput, ScheduleOutput, schedule_data
from apps.tenants.api_base import TenantApi
from apps.tenants.roles import Permission

MAX_USAGE_DAYS = 366


class CapsulePricingOutput(serializers.Serializer):
    per_run = BoundedIntegerField(source="price_per_run")
    per_stream_day = BoundedIntegerField(source="price_per_stream_day")
    per_1k_points = BoundedIntegerField(source="price_per_1k_points")
    per_gpu_second = BoundedIntegerField(source="price_per_gpu_second")


class CapsuleOutput(serializers.Serializer):
    id = BoundedIntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    version = serializers.CharField()
    kind = serializers.CharField()
    owner = serializers.CharField(source="tenant.brand_name")
    owner_id = BoundedIntegerField(source="tenant_id")
    input_schema = SafeJSONField()
    pricing = CapsulePricingOutput(source="*", help_text="CEU minor units (thousandths of a CEU).")
    energy_per_run_wh = FiniteFloatField(help_text="The owner's estimate of one run's energy (Wh).")
    state = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class CapsuleInput(StrictInputSerializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, default="", allow_blank=True, max_length=5000)
    version = serializers.RegexField(r"^\d+\.\d+\.\d+$", max_length=32, default="1.0.0")
    kind = serializers.ChoiceField(choices=CapsuleKind.choices)
    price_per_run = BoundedIntegerField(min_value=0, max_value=10**12, default=0)
    price_per_stream_day = BoundedIntegerField(min_value=0, max_value=10**12, default=0)
    price_per_1k_points = BoundedIntegerField(min_value=0, max_value=10**12, default=0)
    price_per_gpu_second = BoundedIntegerField(min_value=0, max_value=10**12, default=0)
    energy_per_run_wh = FiniteFloatField(min_value=0.0, max_value=1e9, default=0.0)


class CapsuleListApi(TenantApi):
    write_permission = Permission.MANAGE_TENANT

    @extend_schema(operation_id="capsules_list", responses=CapsuleOutput(many=True),
                   parameters=[OpenApiParameter("owned", bool, description="Only capsules your tenant owns.")],
                   description="The catalogue: published capsules of the platform and of your partner, and your "
                               "own capsules in any state.")
    def get(self, request: Request) -> Response:
        owned = request.query_params.get("owned") in ("1", "true")
        qs = selectors.capsule_owned_list(tenant=self.tenant).select_related("tenant") if owned \
            else selectors.capsule_catalogue(tenant=self.tenant)
        return self.paginate(request, qs, CapsuleOutput)

    @extend_schema(operation_id="capsules_create", request=CapsuleInput, responses={201: CapsuleOutput},
                   description="A draft capsule owned by your tenant (platform and partners only).")
    def post(self, request: Request) -> Response:
        return self.create_response(
            request, CapsuleInput, lambda v: services.capsule_create(actor=self.actor, tenant=self.tenant, **v),
            CapsuleOutput)


class CapsuleDetailApi(TenantApi):
    @extend_schema(operation_id="capsules_retrieve", responses=CapsuleOutput)
    def get(self, request: Request, capsule_id: int) -> Response:
        return Response(CapsuleOutput(selectors.capsule_get(tenant=self.tenant, capsule_id=capsule_id)).data)


class CapsulePublishApi(TenantApi):
    permission = Permission.MANAGE_TENANT

    @extend_schema(operation_id="capsules_publish", request=None, responses=CapsuleOutput)
    def post(self, request: Request, capsule_id: int) -> Response:
        selectors.capsule_owned_get(tenant=self.tenant, capsule_id=capsule_id)
        capsule = services.capsule_publish(actor=self.actor, tenant=self.tenant, capsule_id=capsule_id)
        return Response(CapsuleOutput(capsule).data)


class CapsuleRetireApi(TenantApi):
    permission = Permission.MANAGE_TENANT

    @extend_schema(operation_id="capsules_retire", request=None, responses=CapsuleOutput)
    def post(self, request: Request, capsule_id: int) -> Response:
        selectors.capsule_owned_get(tenant=self.tenant, capsule_id=capsule_id)
        capsule = services.capsule_retire(actor=self.actor, tenant=self.tenant, capsule_id=capsule_id)
        return Response(CapsuleOutput(capsule).data)


class CapsuleUsageEventOutput(serializers.Serializer):
    event_id = serializers.CharField()
    capsule = BoundedIntegerField(source="capsule_id")
    run = BoundedIntegerField(source="run_id")
    metric = serializers.CharField()
    quantity = BoundedIntegerField()
    unit_price = BoundedIntegerField()
    ceu_amount = BoundedIntegerField()
    occurred_at = serializers.DateTimeField()


class CapsuleRunOutput(serializers.Serializer):
    id = BoundedIntegerField()
    capsule = BoundedIntegerField(source="capsule_id")
    capsule_name = serializers.CharField(source="capsule.name")
    subscription = BoundedIntegerField(source="subscription_id", allow_null=True)
    status = serializers.CharField()
    inputs = SafeJSONField()
    quote = SafeJSONField()
    reserved = BoundedIntegerField(help_text="CEU minor units held before the run.")
    charged = BoundedIntegerField(help_text="CEU minor units charged: the sum of the run's usage events.")
    proof_status = serializers.CharField()
    proof_reason = serializers.CharField()
    pft_minted = BoundedIntegerField(help_text="PFT minor units minted for a valid proof.")
    cpu_seconds = FiniteFloatField()
    energy_wh = FiniteFloatField(help_text="energy.joules / 3600 (Wh), kept for older clients.")
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    energy = serializers.SerializerMethodField(help_text=ENERGY_HELP)
    schedule = serializers.SerializerMethodField(help_text="Only for a flexible run: where it stands.")

    @extend_schema_field(ScheduleOutput(allow_null=True))
    def get_schedule(self, run: Any) -> dict[str, Any] | None:
        return schedule_data(services.run_standing(run=run))

    @extend_schema_field(EnergyOutput(allow_null=True))
    def get_energy(self, run: Any) -> dict[str, Any] | None:
        return energy_of(tenant=run.tenant_id, ref_type=run._meta.label_lower, ref_id=run.pk)


class CapsuleRunDetailOutput(CapsuleRunOutput):
    proof = SafeJSONField()
    result = serializers.SerializerMethodField()
    usage = CapsuleUsageEventOutput(many=True)

    def get_result(self, run: Any) -> Any:
        return json.loads(run.result_text) if run.result_text else None


class CapsuleRunInput(FlexibleInput, StrictInputSerializer):
    inputs = SafeJSONField(help_text="Must match the capsule's input_schema.")


class CapsuleRunStartApi(TenantApi):
    permission = Permission.ANALYZE
    idempotency_required = True

    @extend_schema(operation_id="capsule_runs_create", request=CapsuleRunInput, responses={202: CapsuleRunOutput},
                   description="Quotes the run, refuses it (402 insufficient_ceu) when the CEU are not available, "
                               "else holds the quote and queues the work. Requires an Idempotency-Key. With "
                               "`flexible: true` and a `deadline` the run waits for its lowest-carbon window "
                               "(`schedule` says when); a bad deadline answers 400 `invalid_schedule`.")
    def post(self, request: Request, capsule_id: int) -> Response:
        return self.handle_idempotent(request, lambda: self._start(request, capsule_id))

    def _start(self, request: Request, capsule_id: int) -> Response:
        data = CapsuleRunInput(data=request.data)
        data.is_valid(raise_exception=True)
        run = services.capsule_run_start(actor=self.actor, tenant=self.tenant, capsule_id=capsule_id,
                                         **data.validated_data)
        return Response(CapsuleRunOutput(run).data, status=status.HTTP_202_ACCEPTED)


class CapsuleRunListApi(TenantApi):
    @extend_schema(operation_id="capsule_runs_list", responses=CapsuleRunOutput(many=True),
                   parameters=[OpenApiParameter("capsule", int), OpenApiParameter("status", str,
                                                                                  enum=list(RunStatus.values))])
    def get(self, request: Request) -> Response:
        capsule = request.query_params.get("capsule")
        if capsule is not None and not capsule.isdigit():
            raise serializers.ValidationError({"capsule": ["A capsule id."]})
        qs = selectors.run_list(tenant=self.tenant, capsule_id=int(capsule) if capsule else None,
                                status=request.query_params.get("status"))
        return self.paginate(request, qs, CapsuleRunOutput)


class CapsuleRunDetailApi(TenantApi):
    @extend_schema(operation_id="capsule_runs_retrieve", responses=CapsuleRunDetailOutput)
    def get(self, request: Request, run_id: int) -> Response:
        run = selectors.run_get(tenant=self.tenant, run_id=run_id)
        return Response(CapsuleRunDetailOutput(run).data)


class CapsuleSubscriptionOutput(serializers.Serializer):
    id = BoundedIntegerField()
    capsule = BoundedIntegerField(source="capsule_id")
    capsule_name = serializers.CharField(source="capsule.name")
    inputs = SafeJSONField()
    status = serializers.CharField()
    status_reason = serializers.CharField()
    starts_on = serializers.DateField()
    metered_through = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()


class CapsuleSubscriptionInput(StrictInputSerializer):
    capsule = BoundedIntegerField(min_value=1)
    streams = serializers.ListField(child=BoundedIntegerField(min_value=1), min_length=1, max_length=20)


class CapsuleSubscriptionListApi(TenantApi):
    idempotency_required = True  # a subscription creates billable work

    write_permission = Permission.ANALYZE

    @extend_schema(operation_id="capsule_subscriptions_list", responses=CapsuleSubscriptionOutput(many=True))
    def get(self, request: Request) -> Response:
        return self.paginate(request, selectors.subscription_list(tenant=self.tenant), CapsuleSubscriptionOutput)

    @extend_schema(operation_id="capsule_subscriptions_create", request=CapsuleSubscriptionInput,
                   responses={201: CapsuleSubscriptionOutput},
                   description="Runs the capsule once per elapsed UTC day over that day's points, each run "
                               "metered and charged; suspended when the CEU run out. Requires an Idempotency-Key.")
    def post(self, request: Request) -> Response:
        return self.create_response(
            request, CapsuleSubscriptionInput,
            lambda v: services.subscription_create(actor=self.actor, tenant=self.tenant, capsule_id=v["capsule"],
                                                   streams=v["streams"]),
            CapsuleSubscriptionOutput)


class CapsuleSubscriptionCancelApi(TenantApi):
    permission = Permission.ANALYZE

    @extend_schema(operation_id="capsule_subscriptions_cancel", request=None, responses=CapsuleSubscriptionOutput)
    def post(self, request: Request, subscription_id: int) -> Response:
        selectors.subscription_get(tenant=self.tenant, subscription_id=subscription_id)
        subscription = services.subscription_cancel(actor=self.actor, tenant=self.tenant,
                                                    subscription_id=subscription_id)
        return Response(CapsuleSubscriptionOutput(subscription).data)


class CapsuleDailyUsageOutput(serializers.Serializer):
    day = serializers.DateField()
    capsule = BoundedIntegerField(source="capsule_id")
    capsule_name = serializers.CharField()
    ceu = BoundedIntegerField(help_text="CEU minor units spent that day on the capsule.")
    runs = BoundedIntegerField()
    points = BoundedIntegerField()
    stream_days = BoundedIntegerField()


class CapsuleUsageQuery(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False, help_text="Inclusive.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end = attrs.get("end") or datetime.now(UTC).date()
        start = attrs.get("start") or end - timedelta(days=29)
        if start > end or (end - start).days >= MAX_USAGE_DAYS:
            raise serializers.ValidationError({"start": [f"start <= end, at most {MAX_USAGE_DAYS} days apart."]})
        return {"start": datetime.combine(start, time.min, tzinfo=UTC),
                "end": datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)}


class CapsuleUsageDailyApi(TenantApi):
    @extend_schema(operation_id="capsule_usage_daily", responses=CapsuleDailyUsageOutput(many=True),
                   parameters=[OpenApiParameter("start", str, description="YYYY-MM-DD; default 30 days back"),
                               OpenApiParameter("end", str, description="YYYY-MM-DD, inclusive; default today")],
                   description="CEU spent per UTC day and capsule, aggregated from the metered usage events.")
    def get(self, request: Request) -> Response:
        query = CapsuleUsageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.usage_daily(tenant=self.tenant, **query.validated_data)
        return Response(CapsuleDailyUsageOutput(rows, many=True).data)


class CapsuleUsageEventListApi(TenantApi):
    @extend_schema(operation_id="capsule_usage_events_list", responses=CapsuleUsageEventOutput(many=True))
    def get(self, request: Request) -> Response:
        return self.paginate(request, selectors.usage_event_list(tenant=self.tenant), CapsuleUsageEventOutput)


class CapsuleRevenueOutput(serializers.Serializer):
    capsule_id = BoundedIntegerField()
    capsule = serializers.CharField()
    runs = BoundedIntegerField()
    charged = BoundedIntegerField(help_text="CEU minor units charged to buyers.")
    share = BoundedIntegerField(help_text="Your share, CEU minor units, settled in your CEU account.")


class CapsuleRevenueListApi(TenantApi):
    @extend_schema(operation_id="capsule_revenue", responses=CapsuleRevenueOutput(many=True),
                   description="Partners: revenue shares earned per capsule.")
    def get(self, request: Request) -> Response:
        return Response(CapsuleRevenueOutput(selectors.revenue_by_capsule(tenant=self.tenant), many=True).data)

