from __future__ import annotations

from django.urls import path

from apps.dna.apis import assets, graph, ontology

urlpatterns = [
    path("ontology/", ontology.OntologyApi.as_view(), name="dna-ontology"),
    path("ontology/terms/<str:key>/", ontology.TermDetailApi.as_view(), name="dna-term"),
    path("templates/", ontology.TemplateListApi.as_view(), name="dna-templates"),
    path("templates/<str:key>/", ontology.TemplateDetailApi.as_view(), name="dna-template"),
    path("templates/<str:key>/instantiate/", ontology.TemplateInstantiateApi.as_view(),
         name="dna-template-instantiate"),
    path("template-instances/", ontology.TemplateInstanceListApi.as_view(), name="dna-template-instances"),
    path("assets/", assets.AssetListApi.as_view(), name="dna-assets"),
    path("assets/import/", assets.AssetImportApi.as_view(), name="dna-assets-import"),
    path("assets/<int:asset_id>/", assets.AssetDetailApi.as_view(), name="dna-asset"),
    path("assets/<int:asset_id>/state/", assets.AssetStateApi.as_view(), name="dna-asset-state"),
    path("assets/<int:asset_id>/streams/", assets.AssetStreamsApi.as_view(), name="dna-asset-streams"),
    path("assets/<int:asset_id>/streams/<int:stream_id>/", assets.AssetStreamDetachApi.as_view(),
         name="dna-asset-stream"),
    path("assets/<int:asset_id>/blast-radius/", graph.BlastRadiusApi.as_view(), name="dna-asset-blast-radius"),
    path("assets/<int:asset_id>/cascade/", graph.CascadeApi.as_view(), name="dna-asset-cascade"),
    path("assets/<int:asset_id>/cascade/jobs/", graph.CascadeJobApi.as_view(), name="dna-asset-cascade-job"),
    path("cascade-jobs/<int:job_id>/", graph.CascadeJobFramesApi.as_view(), name="dna-cascade-job"),
    path("links/", assets.LinkListApi.as_view(), name="dna-links"),
    path("links/<int:link_id>/", assets.LinkDetailApi.as_view(), name="dna-link"),
    path("paths/", graph.PathApi.as_view(), name="dna-paths"),
    path("graph/", graph.AssetGraphApi.as_view(), name="dna-graph"),
    path("graph/status/", graph.MirrorStatusApi.as_view(), name="dna-graph-status"),
]
