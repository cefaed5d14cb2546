"""Asset twins, links, stream attachments, bulk import and each asset's current state."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
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
from apps.dna.import_parsing import ASSET_COLUMNS, LINK_COLUMNS, MAX_ASSETS, MAX_LINKS, import_rows
from apps.dna.models import AssetKind, LinkKind
from apps.tenants.api_base import TenantApi
from apps.tenants.roles import Permission


class AssetOutput(serializers.Serializer):
    id = BoundedIntegerField()
    key = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    description = serializers.CharField()
    attributes = SafeJSONField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class AssetInput(StrictInputSerializer):
    key = serializers.RegexField(r"^[a-z0-9][a-z0-9_.:-]*$", max_length=120)
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=AssetKind.choices)
    description = serializers.CharField(required=False, default="", allow_blank=True, max_length=5000)
    attributes = SafeDictField(required=False, default=dict)


class AssetPatchInput(StrictInputSerializer):
    name = serializers.CharField(max_length=200, required=False)
    # A plain string here (the service validates the choice): a second enum component named "kind" would clash in
    # the schema with AssetInput's.
    kind = serializers.CharField(required=False, help_text=f"One of {', '.join(AssetKind.values)}.")
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    attributes = SafeDictField(required=False)


class AssetListApi(TenantApi):
    write_permission = Permission.ANALYZE

    @extend_schema(operation_id="dna_assets_list", responses=AssetOutput(many=True),
                   parameters=[OpenApiParameter("kind", str, enum=list(AssetKind.values)),
                               OpenApiParameter("search", str)])
    def get(self, request: Request) -> Response:
        qs = selectors.asset_list(tenant=self.tenant, kind=request.query_params.get("kind"),
                                  search=request.query_params.get("search"))
        return self.paginate(request, qs, AssetOutput)

    @extend_schema(operation_id="dna_assets_create", request=AssetInput, responses={201: AssetOutput})
    def post(self, request: Request) -> Response:
        return self.create_response(
            request, AssetInput, lambda v: services.asset_create(actor=self.actor, tenant=self.tenant, **v),
            AssetOutput)


class AssetDetailApi(TenantApi):
    write_permission = Permission.ANALYZE

    @extend_schema(operation_id="dna_assets_retrieve", responses=AssetOutput)
    def get(self, request: Request, asset_id: int) -> Response:
        return Response(AssetOutput(selectors.asset_get(tenant=self.tenant, asset_id=asset_id)).data)

    @extend_schema(operation_id="dna_assets_update", request=AssetPatchInput, responses=AssetOutput)
    def patch(self, request: Request, asset_id: int) -> Response:
        selectors.asset_get(tenant=self.tenant, asset_id=asset_id)
        data = AssetPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        asset = services.asset_update(actor=self.actor, tenant=self.tenant, asset_id=asset_id, **data.validated_data)
        return Response(AssetOutput(asset).data)

    @extend_schema(operation_id="dna_assets_delete", responses={204: None})
    def delete(self, request: Request, asset_id: int) -> Response:
        services.asset_delete(actor=self.actor, tenant=self.tenant, asset_id=asset_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WindowStateOutput(serializers.Serializer):
    end_ts = serializers.DateTimeField()
    energy = FiniteFloatField()
    temperature = FiniteFloatField()
    entropy = FiniteFloatField()
    entropy_rate = FiniteFloatField()
    free_energy = FiniteFloatField()
    entropy_production = FiniteFloatField()


class EntropyStructureOutput(serializers.Serializer):
    entropy = FiniteFloatField()
    entropy_rate = FiniteFloatField()
    predictability = FiniteFloatField()
    production = FiniteFloatField()
    entropy_trend = FiniteFloatField()


class PhaseOutput(serializers.Serializer):
    start = BoundedIntegerField()
    end = BoundedIntegerField()
    entropy_norm = FiniteFloatField()
    log_temperature = FiniteFloatField()
    energy_z = FiniteFloatField()


class StreamStateOutput(serializers.Serializer):
    stream = BoundedIntegerField(source="stream.id")
    name = serializers.CharField(source="stream.name")
    kind = serializers.CharField(source="stream.kind")
    units = serializers.CharField(source="stream.units")
    last_timestamp = serializers.DateTimeField(source="stream.last_timestamp", allow_null=True)
    last_score = FiniteFloatField(source="stream.last_score")
    open_alerts = BoundedIntegerField()
    window = WindowStateOutput(allow_null=True)
    stability_index = FiniteFloatField(allow_null=True)
    irreversibility = FiniteFloatField(allow_null=True)
    noise_class = serializers.CharField(allow_null=True, help_text="Ontology key of the last window's noise colour.")
    entropy = EntropyStructureOutput(allow_null=True)
    phases = PhaseOutput(many=True, help_text="Phase transition map over the recent windows.")


class OpenAlertOutput(serializers.Serializer):
    id = BoundedIntegerField()
    stream = BoundedIntegerField(source="stream_id")
    ts = serializers.DateTimeField()
    score = FiniteFloatField()
    severity = serializers.CharField()
    explanation = serializers.CharField()


class AssetStateOutput(serializers.Serializer):
    asset = AssetOutput()
    status = serializers.CharField(help_text="ok, warning, alarm or no data")
    streams = StreamStateOutput(many=True)
    alerts = OpenAlertOutput(many=True)


class AssetStateApi(TenantApi):
    @extend_schema(operation_id="dna_assets_state", responses=AssetStateOutput,
                   description="Current energy/entropy state of each attached stream, derived constructs "
                               "(stability, irreversibility, noise colour, entropy structure, phases) and open alerts.")
    def get(self, request: Request, asset_id: int) -> Response:
        return Response(AssetStateOutput(selectors.asset_state(tenant=self.tenant, asset_id=asset_id)).data)


class AttachedStreamOutput(serializers.Serializer):
    id = BoundedIntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    units = serializers.CharField()


class AttachInput(StrictInputSerializer):
    stream = BoundedIntegerField()


class AssetStreamsApi(TenantApi):
    write_permission = Permission.ANALYZE

    @extend_schema(operation_id="dna_asset_streams_list", responses=AttachedStreamOutput(many=True))
    def get(self, request: Request, asset_id: int) -> Response:
        selectors.asset_get(tenant=self.tenant, asset_id=asset_id)
        return Response(AttachedStreamOutput(selectors.asset_streams(tenant=self.tenant, asset_id=asset_id),
                                             many=True).data)

    @extend_schema(operation_id="dna_asset_streams_attach", request=AttachInput, responses={201: AttachedStreamOutput})
    def post(self, request: Request, asset_id: int) -> Response:
        selectors.asset_get(tenant=self.tenant, asset_id=asset_id)
        data = AttachInput(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = services.stream_attach(actor=self.actor, tenant=self.tenant, asset_id=asset_id,
                                            stream_id=data.validated_data["stream"])
        return Response(AttachedStreamOutput(attachment.stream).data, status=status.HTTP_201_CREATED)


class AssetStreamDetachApi(TenantApi):
    permission = Permission.ANALYZE

    @extend_schema(operation_id="dna_asset_streams_detach", responses={204: None})
    def delete(self, request: Request, asset_id: int, stream_id: int) -> Response:
        services.stream_detach(actor=self.actor, tenant=self.tenant, asset_id=asset_id, stream_id=stream_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LinkOutput(serializers.Serializer):
    id = BoundedIntegerField()
    source = BoundedIntegerField(source="source_id")  # type: ignore[assignment]  # field named like a Field attribute (stub)
    source_key = serializers.CharField(source="source.key")
    target = BoundedIntegerField(source="target_id")
    target_key = serializers.CharField(source="target.key")
    kind = serializers.CharField()
    weight = FiniteFloatField()
    created_at = serializers.DateTimeField()


class LinkInput(StrictInputSerializer):
    source = BoundedIntegerField()  # type: ignore[assignment]  # field named like a Field attribute (stub)
    target = BoundedIntegerField()
    kind = serializers.ChoiceField(choices=LinkKind.choices)
    weight = FiniteFloatField(min_value=1e-9, max_value=1.0, default=1.0,
                              help_text="Share of a disturbance that crosses the link, in (0, 1].")


class LinkPatchInput(StrictInputSerializer):
    weight = FiniteFloatField(min_value=1e-9, max_value=1.0)


class LinkListApi(TenantApi):
    write_permission = Permission.ANALYZE

    @extend_schema(operation_id="dna_links_list", responses=LinkOutput(many=True),
                   parameters=[OpenApiParameter("asset", int, description="Links touching this asset.")])
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("asset")
        if raw is not None and not raw.isdigit():
            raise serializers.ValidationError({"asset": ["An asset id."]})
        return self.paginate(request, selectors.link_list(tenant=self.tenant, asset_id=int(raw) if raw else None),
                             LinkOutput)

    @extend_schema(operation_id="dna_links_create", request=LinkInput, responses={201: LinkOutput})
    def post(self, request: Request) -> Response:
        return self.create_response(
            request, LinkInput,
            lambda v: services.link_create(actor=self.actor, tenant=self.tenant, source_id=v["source"],
                                           target_id=v["target"], kind=v["kind"], weight=v["weight"]),
            LinkOutput)


class LinkDetailApi(TenantApi):
    write_permission = Permission.ANALYZE

    @extend_schema(operation_id="dna_links_retrieve", responses=LinkOutput)
    def get(self, request: Request, link_id: int) -> Response:
        return Response(LinkOutput(selectors.link_get(tenant=self.tenant, link_id=link_id)).data)

    @extend_schema(operation_id="dna_links_update", request=LinkPatchInput, responses=LinkOutput)
    def patch(self, request: Request, link_id: int) -> Response:
        selectors.link_get(tenant=self.tenant, link_id=link_id)
        data = LinkPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        link = services.link_update(actor=self.actor, tenant=self.tenant, link_id=link_id, **data.validated_data)
        return Response(LinkOutput(selectors.link_get(tenant=self.tenant, link_id=link.pk)).data)

    @extend_schema(operation_id="dna_links_delete", responses={204: None})
    def delete(self, request: Request, link_id: int) -> Response:
        services.link_delete(actor=self.actor, tenant=self.tenant, link_id=link_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ImportInput(StrictInputSerializer):
    assets = serializers.ListField(child=SafeJSONField(), required=False, default=list,
                                   max_length=MAX_ASSETS, help_text="[{key, name, kind, description?, attributes?}]")
    links = serializers.ListField(child=SafeJSONField(), required=False, default=list,
                                  max_length=MAX_LINKS, help_text="[{source, target, kind, weight?}] by asset key")
    assets_csv = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                       help_text=f"CSV with header {','.join(ASSET_COLUMNS)} (last two optional)")
    links_csv = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                      help_text=f"CSV with header {','.join(LINK_COLUMNS)} (weight optional)")


class ImportOutput(serializers.Serializer):
    assets_created = BoundedIntegerField()
    assets_updated = BoundedIntegerField()
    links_created = BoundedIntegerField()
    links_updated = BoundedIntegerField()
    unchanged = BoundedIntegerField()


class AssetImportApi(TenantApi):
    permission = Permission.ANALYZE

    @extend_schema(operation_id="dna_assets_import", request=ImportInput, responses={201: ImportOutput},
                   description=f"Upserts assets by key and links by (source, target, kind): up to {MAX_ASSETS} "
                               f"assets and {MAX_LINKS} links, all or nothing; invalid rows are listed in "
                               "`extra.rows` with section, index, field and reason.")
    def post(self, request: Request) -> Response:
        return self.handle_idempotent(request, lambda: self._import(request))

    def _import(self, request: Request) -> Response:
        data = ImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        assets, links = import_rows(data.validated_data)
        result = services.assets_import(actor=self.actor, tenant=self.tenant, assets=assets, links=links)
        return Response(ImportOutput(result).data, status=status.HTTP_201_CREATED)
