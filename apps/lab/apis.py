from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.serializers import BoundedIntegerField, FiniteFloatField, SafeDictField, StrictInputSerializer
from apps.lab import selectors, services
from apps.lab.artefacts import artefact_response
from apps.lab.kinds import KINDS
from apps.lab.models import JobKind, JobStatus, LabJob
from apps.ledger import selectors as ledger_selectors
from apps.ledger.services.charges import CEU
from apps.ops.energy.records import energy_estimate
from apps.ops.energy.serializers import ENERGY_HELP, EnergyEstimateOutput, EnergyOutput, energy_of
from apps.ops.scheduling.serializers import FlexibleInput, ScheduleOutput, schedule_data
from apps.tenants.api_base import TenantApi
from apps.tenants.roles import Permission

CEU_HELP = "CEU minor units (thousandths of a CEU)."


class KindOutput(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # field named like a Field attribute (stub)
    description = serializers.CharField()
    available = serializers.BooleanField()
    params = SafeDictField(child=SafeDictField(), help_text="Field -> type, limits, default.")


class JobInput(StrictInputSerializer):
    kind = serializers.ChoiceField(choices=JobKind.choices)
    params = SafeDictField(required=False, default=dict,
                           help_text="Parameters of the kind; see GET /api/v1/lab/kinds/.")
    time_limit_s = BoundedIntegerField(required=False, allow_null=True, default=None, min_value=1,
                                       help_text="Seconds the job may run (default 600).")


class JobSubmitInput(FlexibleInput, JobInput):
    pass



class EstimateOutput(serializers.Serializer):
    kind = serializers.CharField()
    cost = BoundedIntegerField(help_text=CEU_HELP)
    work = FiniteFloatField(help_text="Cell updates (or equivalents) the cost prices.")
    method = serializers.CharField(help_text="The time-stepping method the engine will use.")
    steps = BoundedIntegerField()
    dt = FiniteFloatField(allow_null=True)
    stability_limit = FiniteFloatField(allow_null=True)
    reason = serializers.CharField()
    time_limit_s = BoundedIntegerField()
    available = BoundedIntegerField(help_text=f"Your spendable CEU. {CEU_HELP}")
    sufficient = serializers.BooleanField()
    params = SafeDictField(help_text="The parameters as they would run, defaults filled in.")
    energy = EnergyEstimateOutput(allow_null=True, help_text="The energy part of the cost, from measured jobs of "
                                                             "this kind; null before any was measured.")


class ArtefactOutput(serializers.Serializer):
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = BoundedIntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, entry: dict[str, Any]) -> str:
        return reverse("lab-job-artefact", args=[self.context["job_id"], entry["name"]])


class JobOutput(serializers.Serializer):
    id = BoundedIntegerField()
    kind = serializers.CharField()
    params = SafeDictField()
    status = serializers.CharField()
    progress = FiniteFloatField(help_text="Percent, 0 to 100.")
    cost_estimate = BoundedIntegerField(help_text=f"Held at submission. {CEU_HELP}")
    charged = BoundedIntegerField(help_text=CEU_HELP)
    attempts = BoundedIntegerField()
    max_attempts = BoundedIntegerField()
    time_limit_s = BoundedIntegerField()
    device = serializers.CharField()
    error = serializers.CharField()
    metrics = SafeDictField()
    artefacts = serializers.SerializerMethodField()
    schedule = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    energy = serializers.SerializerMethodField(help_text=ENERGY_HELP)

    @extend_schema_field(ArtefactOutput(many=True))
    def get_artefacts(self, job: LabJob) -> list[dict[str, Any]]:
        return list(ArtefactOutput(job.artefacts, many=True, context={"job_id": job.pk}).data)

    @extend_schema_field(ScheduleOutput(allow_null=True))
    def get_schedule(self, job: LabJob) -> dict[str, Any] | None:
        standing = services.job_standing(job=job)
        return schedule_data(standing)

    @extend_schema_field(EnergyOutput(allow_null=True))
    def get_energy(self, job: LabJob) -> dict[str, Any] | None:
        return energy_of(tenant=job.tenant_id, ref_type=job._meta.label_lower, ref_id=job.pk)


class AnyMediaRenderer(BaseRenderer):
    """Lets a download answer a client that asks for the file's own type (Accept: image/png); errors are JSON."""

    media_type = "*/*"
    format = "bin"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: Mapping[str, Any] | None = None) -> bytes:
        return data if isinstance(data, bytes) else json.dumps(data).encode()


class JobQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=JobStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=JobKind.choices, required=False)


def _job(job: LabJob) -> dict[str, Any]:
    return JobOutput(job).data


class KindListApi(TenantApi):
    @extend_schema(operation_id="lab_kinds_list", responses=KindOutput(many=True),
                   description="Job kinds with their parameter schemas (types, limits, defaults).")
    def get(self, request: Request) -> Response:
        rows = [{"name": k.name, "label": k.label, "description": k.description, "available": k.available(),
                 "params": k.schema()} for k in KINDS.values()]
        return Response(KindOutput(rows, many=True).data)


class JobEstimateApi(TenantApi):
    permission = Permission.VIEW  # pricing spends nothing

    @extend_schema(operation_id="lab_jobs_estimate", request=JobInput, responses=EstimateOutput,
                   description="Validates the parameters and returns the CEU cost without submitting anything. "
                               "Bad parameters answer 400 with `extra.fields` naming each one (`params.nx`).")
    def post(self, request: Request) -> Response:
        data = JobInput(data=request.data)
        data.is_valid(raise_exception=True)
        quote = services.job_quote(**data.validated_data, tenant=self.tenant)
        account = ledger_selectors.account_main(tenant=self.tenant, asset=CEU)
        available = account.available if account is not None else 0
        energy = energy_estimate(kind=f"lab.{quote.kind}", size=round(quote.estimate.work), cost=quote.cost)
        body = {"kind": quote.kind, "time_limit_s": quote.time_limit_s, "available": available,
                "sufficient": available >= quote.cost, "params": quote.params, "dt": None,
                "stability_limit": None, "reason": "", **quote.estimate.as_dict(),
                "energy": None if energy is None else {
                    **asdict(energy), "wall_s": services.job_expected_seconds(kind=quote.kind,
                                                                               work=quote.estimate.work)}}
        return Response(EstimateOutput(body).data)


class JobListApi(TenantApi):
    idempotency_required = True  # a job holds CEU and occupies a gpu worker

    write_permission = Permission.ANALYZE

    @extend_schema(operation_id="lab_jobs_list", responses=JobOutput(many=True),
                   description="Your jobs, newest first, optionally filtered by status and kind.", parameters=[
        OpenApiParameter("status", str, enum=JobStatus.values), OpenApiParameter("kind", str, enum=JobKind.values)])
    def get(self, request: Request) -> Response:
        query = JobQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return self.paginate(request, selectors.job_list(tenant=self.tenant, **query.validated_data), JobOutput)

    @extend_schema(operation_id="lab_jobs_submit", request=JobSubmitInput, responses={202: JobOutput},
                   description="Validates, holds the estimated CEU and queues the job for a gpu worker. Requires "
                               "an Idempotency-Key. Too little CEU answers 402 `insufficient_ceu`. A `flexible` "
                               "job waits for its lowest-carbon window before `deadline`; a bad deadline answers "
                               "400 `invalid_schedule` naming the field. `schedule` tells where the job stands: "
                               "its state, queue position and estimated start. With too many jobs of yours "
                               "waiting the submission answers 429 `queue_full`.")
    def post(self, request: Request) -> Response:
        return self.create_response(
            request, JobSubmitInput, lambda v: services.job_submit(actor=self.actor, tenant=self.tenant, **v),
            JobOutput, status_code=status.HTTP_202_ACCEPTED)


class JobDetailApi(TenantApi):
    @extend_schema(operation_id="lab_jobs_retrieve", responses=JobOutput,
                   description="Poll this while the job runs: `progress` is written about twice a second.")
    def get(self, request: Request, job_id: int) -> Response:
        return Response(_job(selectors.job_get(tenant=self.tenant, job_id=job_id)))


class JobCancelApi(TenantApi):
    permission = Permission.ANALYZE

    @extend_schema(operation_id="lab_jobs_cancel", request=None, responses=JobOutput,
                   description="Cancels a queued or running job and releases its CEU hold; nothing is charged. "
                               "A finished job answers 409.")
    def post(self, request: Request, job_id: int) -> Response:
        selectors.job_get(tenant=self.tenant, job_id=job_id)
        return Response(_job(services.job_cancel(actor=self.actor, tenant=self.tenant, job_id=job_id)))


class JobArtefactApi(TenantApi):
    renderer_classes = [JSONRenderer, AnyMediaRenderer]

    @extend_schema(operation_id="lab_jobs_artefact", responses={(200, "*/*"): OpenApiTypes.BINARY},
                   description="Streams one artefact: fields.npz, the PNG pictures or metrics.json.")
    def get(self, request: Request, job_id: int, name: str) -> FileResponse:
        _, entry = selectors.artefact_entry(tenant=self.tenant, job_id=job_id, name=name)
        return artefact_response(entry)

