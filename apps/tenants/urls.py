from __future__ import annotations

from django.urls import path

from apps.tenants import apis

urlpatterns = [
    path("tenant/", apis.TenantDetailApi.as_view(), name="tenant-detail"),
    path("members/", apis.MemberListApi.as_view(), name="member-list"),
    path("clients/", apis.ClientTenantListApi.as_view(), name="client-list"),
    path("clients/<int:tenant_id>/", apis.ClientTenantDetailApi.as_view(), name="client-detail"),
    path("api-keys/", apis.ApiKeyListApi.as_view(), name="api-key-list"),
    path("api-keys/<int:key_id>/", apis.ApiKeyDetailApi.as_view(), name="api-key-detail"),
    path("api-keys/<int:key_id>/revoke/", apis.ApiKeyRevokeApi.as_view(), name="api-key-revoke"),
]
