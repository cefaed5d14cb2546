from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from apps.ops.health import healthz, readyz
from apps.ops.metrics.view import metrics
from thermodynasty.openapi_docs.branding import BrandedSwaggerView

handler400 = "apps.core.error_pages.bad_request"
handler500 = "apps.core.error_pages.server_error"

admin.site.site_header = "Thermodynasty back office"
admin.site.site_title = "Thermodynasty back office"

api_v1 = [
    path("", include("apps.tenants.urls")),
    path("ledger/", include("apps.ledger.urls")),
    path("", include("apps.signals.urls")),
    path("markets/", include("apps.marketplace.urls")),
    path("lab/", include("apps.lab.urls")),
    path("dna/", include("apps.dna.urls")),
    path("capsules/", include("apps.capsules.urls")),
    path("billing/", include("apps.billing.urls")),
    path("query/", include("apps.bridge.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", BrandedSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", include(api_v1)),
    path("", include("apps.portal.urls")),
]
