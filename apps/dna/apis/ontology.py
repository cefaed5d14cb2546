"""The shared ontology and signal templates: read-only, the same for every tenant; instantiating a template on
the caller's streams is the one write."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.serializers import (
    BoundedIntegerField,
    FiniteFloatField,
    SafeDictField,
    SafeJSONField,
    StrictInputSerializer,
)
from apps.dna import selectors, services
from apps.dna.models import Industry, OntologyTerm, TermCategory
from apps.tenants.api_base import TenantApi
from apps.tenants.roles import Permission


class VersionOutput(serializers.Serializer):
    version = serializers.CharField()
    checksum = serializers.CharField()
    notes = serializers.CharField()
    loaded_at = serializers.DateTimeField()


class TermOutput(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    kind = serializers.CharField()
    definition = serializers.CharField()
    unit = serializers.CharField()
    formula = serializers.CharField()
    code_ref = serializers.CharField(help_text="Dotted path of the code that computes it.")
    version = serializers.CharField(source="version.version", help_text="Release that last changed it.")


class RelationOutput(serializers.Serializer):
    subject = serializers.CharField(source="subject.key")
    predicate = serializers.CharField()
    object = serializers.CharField(source="object.key")


class TermDetailOutput(TermOutput):
    relations = serializers.SerializerMethodField()

    @extend_schema_field(RelationOutput(many=True))
    def get_relations(self, term: OntologyTerm) -> list[dict]:
        rows = [*term.relations_out.all(), *term.relations_in.all()]
        return list(RelationOutput(rows, many=True).data)


class OntologyOutput(serializers.Serializer):
    version = VersionOutput(allow_null=True)
    terms = TermOutput(many=True)


class OntologyApi(TenantApi):
    @extend_schema(operation_id="dna_ontology_retrieve", responses=OntologyOutput,
                   parameters=[OpenApiParameter("category", str, enum=list(TermCategory.values)),
                               OpenApiParameter("kind", str)])
    def get(self, request: Request) -> Response:
        terms = selectors.term_list(category=request.query_params.get("category"),
                                    kind=request.query_params.get("kind"))
        return Response(OntologyOutput({"version": selectors.ontology_current(), "terms": terms}).data)


class TermDetailApi(TenantApi):
    @extend_schema(operation_id="dna_ontology_term_retrieve", responses=TermDetailOutput)
    def get(self, request: Request, key: str) -> Response:
        return Response(TermDetailOutput(selectors.term_get(key=key)).data)


class TemplateInputOutput(serializers.Serializer):
    role = serializers.CharField()
    kind = serializers.CharField()
    units = serializers.CharField(required=False)
    value_range = serializers.ListField(child=FiniteFloatField(), required=False)
    description = serializers.CharField(required=False)


class TemplateOutput(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    industry = serializers.CharField()
    description = serializers.CharField()
    inputs = TemplateInputOutput(many=True)
    signals = serializers.ListField(child=serializers.CharField())
    parameters = SafeDictField(child=BoundedIntegerField())
    detector = SafeJSONField(help_text="Anomaly detector settings (DetectorConfig): numbers, and shift_test (off, "
                             "mean or poisson) for the opt-in shift test of sustained rises and falls.")
    changepoint = SafeJSONField(help_text="Regime-change tracking: model (level, variance, trend, counts, seasonal, "
                                "auto) and its settings; enabled false = anomalies only.")
    alert_policy = SafeDictField(child=serializers.CharField(), help_text="What an anomaly and a regime change mean "
                                 "here, and which one the documented failure shows as.")
    budgets = SafeDictField(child=FiniteFloatField(), help_text="false_alarms_per_1000 and max_delay_s: the "
                            "tolerances its evidence is judged by.")
    version = serializers.CharField(source="version.version")


class TemplateListApi(TenantApi):
    @extend_schema(operation_id="dna_templates_list", responses=TemplateOutput(many=True),
                   parameters=[OpenApiParameter("industry", str, enum=list(Industry.values))])
    def get(self, request: Request) -> Response:
        templates = selectors.template_list(industry=request.query_params.get("industry")).select_related("version")
        return Response(TemplateOutput(templates, many=True).data)


class TemplateDetailApi(TenantApi):
    @extend_schema(operation_id="dna_templates_retrieve", responses=TemplateOutput)
    def get(self, request: Request, key: str) -> Response:
        return Response(TemplateOutput(selectors.template_get(key=key)).data)


class InstantiateInput(StrictInputSerializer):
    name_prefix = serializers.CharField(max_length=120, help_text='New streams are named "<prefix> <role>".')
    asset = BoundedIntegerField(required=False, allow_null=True, default=None,
                                help_text="Attach every stream to this asset.")
    bindings = SafeDictField(child=BoundedIntegerField(allow_null=True), required=False, default=dict,
                             help_text="role -> existing stream id; roles left out get a new stream.")


class InstanceOutput(serializers.Serializer):
    id = BoundedIntegerField()
    template = serializers.CharField(source="template.key")
    asset = BoundedIntegerField(source="asset_id", allow_null=True)
    bindings = SafeJSONField()
    settings = SafeJSONField()
    created_at = serializers.DateTimeField()


class TemplateInstantiateApi(TenantApi):
    permission = Permission.ANALYZE

    @extend_schema(operation_id="dna_templates_instantiate", request=InstantiateInput, responses={201: InstanceOutput},
                   description="Creates (or binds) one stream per template input with the template's window, bins, "
                               "value range and detector settings, attached to the asset if given. All or nothing.")
    def post(self, request: Request, key: str) -> Response:
        return self.handle_idempotent(request, lambda: self._create(request, key))

    def _create(self, request: Request, key: str) -> Response:
        data = InstantiateInput(data=request.data)
        data.is_valid(raise_exception=True)
        selectors.template_get(key=key)
        instance = services.template_instantiate(actor=self.actor, tenant=self.tenant, template_key=key,
                                                 name_prefix=data.validated_data["name_prefix"],
                                                 asset_id=data.validated_data["asset"],
                                                 bindings=data.validated_data["bindings"])
        return Response(InstanceOutput(instance).data, status=status.HTTP_201_CREATED)


class TemplateInstanceListApi(TenantApi):
    @extend_schema(operation_id="dna_template_instances_list", responses=InstanceOutput(many=True))
    def get(self, request: Request) -> Response:
        return self.paginate(request, selectors.template_instance_list(tenant=self.tenant), InstanceOutput)
