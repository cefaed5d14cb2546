"""Graph features (blast radius, impact paths, cascades, the identity graph) and the mirror's status."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.serializers import BoundedIntegerField, FiniteFloatField, StrictInputSerializer
from apps.dna import impact, selectors, services
from apps.dna.services.cascade import JOB_MAX_FRAMES
from apps.lab.apis import JobOutput
from apps.tenants.api_base import TenantApi
from apps.tenants.roles import Permission


class ImpactedOutput(serializers.Serializer):
    id = BoundedIntegerField(source="uid")
    key = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    depth = BoundedIntegerField(help_text="Fewest links from the source.")
    impact = FiniteFloatField(help_text="Strongest path: product of link weights.")


class BlastRadiusOutput(serializers.Serializer):
    source = BoundedIntegerField()  # type: ignore[assignment]  # field named like a Field attribute (stub)
    depth = BoundedIntegerField()
    backend = serializers.CharField(help_text="neo4j, or postgres when the mirror is off or unreachable")
    total_impact = FiniteFloatField()
    assets = ImpactedOutput(many=True)


class DepthQuery(serializers.Serializer):
    depth = BoundedIntegerField(min_value=1, max_value=impact.MAX_DEPTH, default=3)


class BlastRadiusApi(TenantApi):
    @extend_schema(operation_id="dna_assets_blast_radius", responses=BlastRadiusOutput,
                   parameters=[OpenApiParameter("depth", int, description=f"1..{impact.MAX_DEPTH}, default 3")],
                   description="Assets a disturbance here reaches (dependents, downstream flows, hosted and "
                               "connected assets) within `depth` links, strongest path each.")
    def get(self, request: Request, asset_id: int) -> Response:
        query = DepthQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = impact.blast_radius(tenant=self.tenant, asset_id=asset_id, depth=query.validated_data["depth"])
        return Response(BlastRadiusOutput(result).data)


class PathQuery(serializers.Serializer):
    source = BoundedIntegerField()  # type: ignore[assignment]  # field named like a Field attribute (stub)
    target = BoundedIntegerField()
    max_depth = BoundedIntegerField(min_value=1, max_value=impact.MAX_PATH_DEPTH, default=8)


class PathOutput(serializers.Serializer):
    found = serializers.BooleanField()
    backend = serializers.CharField(allow_null=True)
    strength = FiniteFloatField(allow_null=True)
    assets = ImpactedOutput(many=True, help_text="The path in order; `impact` is the strength up to that asset.")
    weights = serializers.ListField(child=FiniteFloatField())


class PathApi(TenantApi):
    @extend_schema(operation_id="dna_paths_shortest", responses=PathOutput,
                   parameters=[OpenApiParameter("source", int, required=True),
                               OpenApiParameter("target", int, required=True),
                               OpenApiParameter("max_depth", int)],
                   description="Fewest-links path along which a disturbance at `source` reaches `target`; ties go "
                               "to the strongest path.")
    def get(self, request: Request) -> Response:
        query = PathQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        path = impact.shortest_path(tenant=self.tenant, source_id=values["source"], target_id=values["target"],
                                    max_depth=values["max_depth"])
        if path is None:
            return Response({"found": False, "backend": None, "strength": None, "assets": [], "weights": []})
        return Response(PathOutput({"found": True, "backend": path.backend, "strength": path.strength,
                                    "assets": path.assets, "weights": path.weights}).data)


class CascadeQuery(serializers.Serializer):
    rate = FiniteFloatField(min_value=1e-6, max_value=1000, default=1.0)
    horizon = FiniteFloatField(min_value=1e-6, max_value=1e6, default=5.0)
    frames = BoundedIntegerField(min_value=2, max_value=120, default=40)
    radius = BoundedIntegerField(min_value=1, max_value=12, default=6)


class CascadeNodeOutput(serializers.Serializer):
    id = BoundedIntegerField()
    key = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


class CascadeLinkOutput(serializers.Serializer):
    source = BoundedIntegerField(help_text="Index into nodes.")  # type: ignore[assignment]  # field named like a Field attribute (stub)
    target = BoundedIntegerField(help_text="Index into nodes.")
    weight = FiniteFloatField()


class CascadeOutput(serializers.Serializer):
    nodes = CascadeNodeOutput(many=True)
    links = CascadeLinkOutput(many=True)
    times = serializers.ListField(child=FiniteFloatField())
    heat = serializers.ListField(child=serializers.ListField(child=FiniteFloatField()),
                                 help_text="frames x nodes; each frame sums to 1")
    coherence = serializers.ListField(child=FiniteFloatField(), help_text="Diffusion coherence per frame.")
    arrival = serializers.ListField(child=FiniteFloatField(allow_null=True),
                                    help_text="Time each node first holds 1 % of the disturbance.")
    method = serializers.CharField()
    backend = serializers.CharField()
    truncated = serializers.BooleanField()


class CascadeApi(TenantApi):
    @extend_schema(operation_id="dna_assets_cascade", responses=CascadeOutput,
                   parameters=[OpenApiParameter(n, t) for n, t in (("rate", float), ("horizon", float),
                                                                   ("frames", int), ("radius", int))],
                   description="A unit disturbance at this asset diffused over its neighbourhood by the lab's graph "
                               "heat equation (kernels.pde), sampled in `frames` frames over [0, horizon].")
    def get(self, request: Request, asset_id: int) -> Response:
        query = CascadeQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        selectors.asset_get(tenant=self.tenant, asset_id=asset_id)
        cascade = services.cascade_simulate(tenant=self.tenant, asset_id=asset_id, **query.validated_data)
        return Response(CascadeOutput(cascade).data)


class CascadeJobInput(StrictInputSerializer):
    rate = FiniteFloatField(min_value=1e-6, max_value=1000, default=1.0)
    horizon = FiniteFloatField(min_value=1e-6, max_value=1e6, default=5.0)
    frames = BoundedIntegerField(min_value=2, max_value=JOB_MAX_FRAMES, default=40)
    radius = BoundedIntegerField(min_value=1, max_value=12, default=6)


class CascadeJobApi(TenantApi):
    permission = Permission.ANALYZE
    idempotency_required = True  # a job holds CEU and occupies a gpu worker

    @extend_schema(operation_id="dna_assets_cascade_job", request=CascadeJobInput, responses={202: JobOutput},
                   description="The cascade as a lab job (graph_cascade on the gpu queue) over up to the lab's node "
                               "limit: priced and held in CEU, progress on GET /api/v1/lab/jobs/{id}/, frames on "
                               "GET /api/v1/dna/cascade-jobs/{id}/ once it has succeeded. Requires an "
                               "Idempotency-Key; too little CEU answers 402 `insufficient_ceu`.")
    def post(self, request: Request, asset_id: int) -> Response:
        selectors.asset_get(tenant=self.tenant, asset_id=asset_id)
        return self.create_response(
            request, CascadeJobInput,
            lambda v: services.cascade_job_submit(actor=self.actor, tenant=self.tenant, asset_id=asset_id, **v),
            JobOutput, status_code=status.HTTP_202_ACCEPTED)


class CascadeJobFramesApi(TenantApi):
    @extend_schema(operation_id="dna_cascade_jobs_frames", responses=CascadeOutput,
                   description="A succeeded cascade job's frames on your assets (409 `cascade_not_ready` with the "
                               "job's status and progress until then).")
    def get(self, request: Request, job_id: int) -> Response:
        return Response(CascadeOutput(services.cascade_from_job(tenant=self.tenant, job_id=job_id)).data)


class GraphNodeOutput(CascadeNodeOutput):
    alerts = BoundedIntegerField(help_text="Open alerts on the asset's streams.")


class GraphLinkOutput(serializers.Serializer):
    id = BoundedIntegerField()
    source = BoundedIntegerField()  # type: ignore[assignment]  # field named like a Field attribute (stub)
    target = BoundedIntegerField()
    kind = serializers.CharField()
    weight = FiniteFloatField()


class AssetGraphOutput(serializers.Serializer):
    nodes = GraphNodeOutput(many=True)
    links = GraphLinkOutput(many=True)
    total_assets = BoundedIntegerField()


class AssetGraphApi(TenantApi):
    @extend_schema(operation_id="dna_graph_retrieve", responses=AssetGraphOutput,
                   description=f"The identity graph: up to {selectors.GRAPH_DRAW_LIMIT} most-connected assets and "
                               "the links among them.")
    def get(self, request: Request) -> Response:
        return Response(AssetGraphOutput(selectors.asset_graph(tenant=self.tenant)).data)


class MirrorStatusOutput(serializers.Serializer):
    enabled = serializers.BooleanField(help_text="False: no graph server configured ('graph mirror off').")
    reachable = serializers.BooleanField()
    message = serializers.CharField()
    pending = BoundedIntegerField()
    done = BoundedIntegerField()
    skipped = BoundedIntegerField()
    last_projected_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()


class MirrorStatusApi(TenantApi):
    @extend_schema(operation_id="dna_graph_status", responses=MirrorStatusOutput)
    def get(self, request: Request) -> Response:
        return Response(MirrorStatusOutput(selectors.mirror_status(tenant=self.tenant)).data)
