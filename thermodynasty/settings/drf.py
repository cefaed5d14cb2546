from __future__ import annotations

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.tenants.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["apps.core.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "thermodynasty.schema.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.exception_handlers.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.StableCursorPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Thermodynasty API",
    "DESCRIPTION": "Partner REST API: tenants, ledger, signals, marketplace and lab. Authenticate with "
    "`Authorization: Api-Key <key>`; POSTs that create things honour an `Idempotency-Key` header.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "APPEND_COMPONENTS": {
        "securitySchemes": {"ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "Authorization"}}
    },
    "SECURITY": [{"ApiKeyAuth": []}],
    # Two inputs (a job to estimate, a job to submit) share the lab's kinds; one name keeps the SDK's type stable.
    "ENUM_NAME_OVERRIDES": {"JobInputKindEnum": "apps.lab.models.JobKind"},
    # The enum hook is drf-spectacular's default; naming hooks replaces the defaults, so it is listed again.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "thermodynasty.openapi_docs.branding.brand_schema",
    ],
}
