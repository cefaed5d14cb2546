from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.errors import ApplicationError
from apps.core.serializers import BoundedIntegerField, StrictInputSerializer
from apps.tenants import selectors, services
from apps.tenants.api_base import TenantApi
from apps.tenants.errors import TenantErrorCode
from apps.tenants.models import Tenant, TenantKind
from apps.tenants.roles import SCOPES, Permission


class TenantOutput(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["id", "name", "slug", "kind", "parent", "display_name", "logo_url", "primary_color",
                  "custom_domain", "is_active", "created_at"]


class TenantDetailApi(TenantApi):
    @extend_schema(operation_id="tenant_current", responses=TenantOutput, summary="The caller's tenant")
    def get(self, request: Request) -> Response:
        return Response(TenantOutput(selectors.tenant_get(tenant=self.tenant)).data)


class MemberListApi(TenantApi):
    class MemberOutput(serializers.Serializer):
        id = BoundedIntegerField()
        email = serializers.EmailField(source="user.email")
        username = serializers.CharField(source="user.username")
        role = serializers.CharField()
        created_at = serializers.DateTimeField()

    @extend_schema(operation_id="members_list", responses=MemberOutput(many=True))
    def get(self, request: Request) -> Response:
        return self.paginate(request, selectors.membership_list(tenant=self.tenant), self.MemberOutput)


class ClientTenantListApi(TenantApi):
    @extend_schema(operation_id="client_tenants_list", responses=TenantOutput(many=True),
                   summary="A partner's client tenants")
    def get(self, request: Request) -> Response:
        if self.tenant.kind != TenantKind.PARTNER:
            raise ApplicationError("Only partner tenants have client tenants.", code=TenantErrorCode.NOT_A_PARTNER,
                                   status=403)
        return self.paginate(request, selectors.client_tenant_list(tenant=self.tenant), TenantOutput)


class ClientTenantDetailApi(TenantApi):
    @extend_schema(operation_id="client_tenants_retrieve", responses=TenantOutput)
    def get(self, request: Request, tenant_id: int) -> Response:
        client = selectors.client_tenant_get(tenant=self.tenant, tenant_id=tenant_id)
        return Response(TenantOutput(client).data)


class ApiKeyOutput(serializers.Serializer):
    id = BoundedIntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class ApiKeyListApi(TenantApi):
    secret_fields = ("secret",)

    class InputSerializer(StrictInputSerializer):
        name = serializers.CharField(max_length=100)
        scopes = serializers.ListField(child=serializers.ChoiceField(choices=SCOPES), min_length=1)

    class CreatedSerializer(ApiKeyOutput):
        secret = serializers.CharField(allow_null=True, help_text=(
            "The full key. Shown once; store it now. An Idempotency-Key replay answers null here and names the "
            "field in the Idempotent-Secrets-Withheld header: revoke the key and create another if it was lost."))

    write_permission = Permission.MANAGE_API_KEYS

    @extend_schema(operation_id="api_keys_list", responses=ApiKeyOutput(many=True))
    def get(self, request: Request) -> Response:
        return self.paginate(request, selectors.api_key_list(tenant=self.tenant), ApiKeyOutput)

    @extend_schema(operation_id="api_keys_create", request=InputSerializer, responses={201: CreatedSerializer})
    def post(self, request: Request) -> Response:
        return self.handle_idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.api_key_create(actor=self.actor, tenant=self.tenant, creator_scopes=self.scopes,
                                         **data.validated_data)
        body: dict[str, Any] = dict(ApiKeyOutput(issued.api_key).data, secret=issued.secret)
        return Response(body, status=status.HTTP_201_CREATED)


class ApiKeyDetailApi(TenantApi):
    @extend_schema(operation_id="api_keys_retrieve", responses=ApiKeyOutput)
    def get(self, request: Request, key_id: int) -> Response:
        return Response(ApiKeyOutput(selectors.api_key_get(tenant=self.tenant, key_id=key_id)).data)


class ApiKeyRevokeApi(TenantApi):
    permission = Permission.MANAGE_API_KEYS

    @extend_schema(operation_id="api_keys_revoke", request=None, responses=ApiKeyOutput)
    def post(self, request: Request, key_id: int) -> Response:
        selectors.api_key_get(tenant=self.tenant, key_id=key_id)
        return Response(ApiKeyOutput(services.api_key_revoke(actor=self.actor, tenant=self.tenant,
                                                             key_id=key_id)).data)
