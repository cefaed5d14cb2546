"""Portal pages of the dna app (included by apps/portal/urls.py inside the portal namespace)."""
from __future__ import annotations

from django.urls import path

from apps.portal.pages import dna, dna_gallery

urlpatterns = [
    path("dna/ontology/", dna.ontology, name="dna_ontology"),
    path("dna/ontology/<str:key>/", dna.term, name="dna_term"),
    path("dna/templates/", dna_gallery.templates, name="dna_templates"),
    path("dna/templates/<str:key>/", dna_gallery.template_detail, name="dna_template"),
    path("dna/templates/<str:key>/demo/", dna_gallery.template_demo, name="dna_template_demo"),
    path("dna/templates/<str:key>/instantiate/", dna.template_instantiate, name="dna_template_instantiate"),
    path("dna/assets/", dna.assets, name="dna_assets"),
    path("dna/assets/create/", dna.asset_create, name="dna_asset_create"),
    path("dna/assets/import/", dna.asset_import, name="dna_asset_import"),
    path("dna/assets/<int:asset_id>/", dna.asset_detail, name="dna_asset"),
    path("dna/assets/<int:asset_id>/delete/", dna.asset_delete, name="dna_asset_delete"),
    path("dna/assets/<int:asset_id>/links/", dna.link_create, name="dna_link_create"),
    path("dna/assets/<int:asset_id>/links/<int:link_id>/delete/", dna.link_delete, name="dna_link_delete"),
    path("dna/assets/<int:asset_id>/streams/", dna.stream_attach, name="dna_stream_attach"),
    path("dna/assets/<int:asset_id>/streams/<int:stream_id>/detach/", dna.stream_detach, name="dna_stream_detach"),
    path("dna/graph/", dna.graph, name="dna_graph"),
    path("dna/graph/cascade-job/", dna.cascade_job, name="dna_cascade_job"),
]
