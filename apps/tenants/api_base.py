"""The one base class every tenant API inherits: authentication, tenant resolution, RLS scope, permission,
rate limit and Idempotency-Key handling live here and nowhere else."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib.auth.models import User
from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions, status
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from apps.core.actors import Actor
from apps.core.errors import ApplicationError, CoreErrorCode
from apps.core.idempotency import IdempotentCall, run_idempotent
from apps.core.pagination import StableCursorPagination
from apps.core.throttling import PerPrincipalRateThrottle
from apps.tenants import rls
from apps.tenants.authentication import ApiKeyPrincipal
from apps.tenants.models import Membership, Tenant
from apps.tenants.roles import Permission, role_allows, scopes_allow
from apps.tenants.selectors import user_membership


class TenantApi(APIView):
    """Subclasses set `permission` (what every method needs; VIEW unless set), `write_permission` (what unsafe
    methods need instead, when writing asks for more than reading), `idempotency_required` for billable or compute
    POSTs, and route creating POSTs through `handle_idempotent`; they must not override `initial`,
    `get_permissions`, `get_queryset` or `required_permission`: the permission is data, never code.
    An API whose response carries a secret names its fields in `secret_fields`: they are shown once and never
    stored or replayed (tests/core/test_secret_fields.py finds any that forget)."""

    permission: ClassVar[Permission] = Permission.VIEW
    # None: unsafe methods need `permission` too.
    write_permission: ClassVar[Permission | None] = None
    idempotency_required: ClassVar[bool] = False
    secret_fields: ClassVar[tuple[str, ...]] = ()
    # True: the work and its stored response commit in one transaction (apps/core/idempotency.py). False only
    # for work that must commit on its own and is idempotent by itself.
    idempotency_atomic: ClassVar[bool] = True
    throttle_classes = [PerPrincipalRateThrottle]

    tenant: Tenant
    actor: Actor
    role: str | None
    scopes: list[str] | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "required_permission" in cls.__dict__:
            raise TypeError(f"{cls.__name__} may not override required_permission; set permission and "
                            "write_permission")
        for forbidden in ("initial", "get_permissions", "get_queryset"):
            if forbidden in cls.__dict__:
                raise TypeError(f"{cls.__name__} may not override {forbidden}; an endpoint no tenant calls "
                                "inherits DangerouslyPublicApi instead")

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "_too_big", None) is not None:
            raise self._too_big
        super().initial(request, *args, **kwargs)
        self._resolve_tenant(request)
        rls.set_request_tenant(self.tenant.pk)
        if not self.allows(self.required_permission(request)):
            raise exceptions.PermissionDenied(self._denial_message(self.required_permission(request)))

    def required_permission(self, request: Request) -> Permission:
        if request.method in SAFE_METHODS or self.write_permission is None:
            return self.permission
        return self.write_permission

    def allows(self, permission: Permission) -> bool:
        if self.scopes is not None:
            return scopes_allow(self.scopes, permission)
        return self.role is not None and role_allows(self.role, permission)

    def _denial_message(self, permission: Permission) -> str:
        if self.scopes is not None:
            return f"This API key's scopes ({', '.join(self.scopes)}) do not allow '{permission.value}'."
        return f"Your role ({self.role}) does not allow '{permission.value}'."

    def _resolve_tenant(self, request: Request) -> None:
        if isinstance(request.user, ApiKeyPrincipal):
            api_key = request.user.api_key
            self.tenant, self.role, self.scopes = api_key.tenant, None, list(api_key.scopes)
            self.actor = Actor(api_key_id=api_key.pk, label=f"api-key:{api_key.prefix}")
            return
        membership: Membership | None = getattr(request._request, "membership", None)
        if membership is None or not isinstance(request.user, User):
            raise exceptions.PermissionDenied("You are not a member of any tenant.")
        membership = user_membership(user=request.user, tenant_id=membership.tenant_id)
        if membership is None:
            raise exceptions.PermissionDenied("You are not a member of this tenant.")
        self.tenant, self.role, self.scopes = membership.tenant, membership.role, None
        self.actor = Actor(user_id=request.user.pk, label=request.user.get_username())

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            self._raw_body = request.body if request.method == "POST" else b""
        except RequestDataTooBig as exc:
            self._raw_body, self._too_big = b"", exc  # raised in initial(), where the error handler shapes it
        return super().dispatch(request, *args, **kwargs)

    def paginate(self, request: Request, queryset: Any, serializer: type[Serializer]) -> Response:
        paginator = StableCursorPagination()
        page: list[Any] | None = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(serializer(page, many=True).data)

    def handle_idempotent(self, request: Request, execute: Any) -> Response:
        key = request.headers.get("Idempotency-Key")
        if not key:
            if self.idempotency_required:
                raise ApplicationError("This operation requires an Idempotency-Key header.",
                                       code=CoreErrorCode.IDEMPOTENCY_KEY_REQUIRED,
                                       extra={"fields": {"Idempotency-Key": ["This header is required."]}})
            return execute()
        call = IdempotentCall(tenant_id=self.tenant.pk, key=key, method=request.method or "POST", path=request.path,
                              body=self._raw_body, secret_fields=self.secret_fields,
                              atomic=self.idempotency_atomic)
        return run_idempotent(call, execute)

    def create_response(self, request: Request, input_serializer: type[Serializer],
                        create: Callable[[dict[str, Any]], Any], output_serializer: type[Serializer],
                        status_code: int = status.HTTP_201_CREATED) -> Response:
        """A creating POST: validate the body, `create` from the validated data, answer `status_code` (201, or 202
        for queued work) with the output — once per Idempotency-Key."""

        def execute() -> Response:
            data = input_serializer(data=request.data)
            data.is_valid(raise_exception=True)
            return Response(output_serializer(create(data.validated_data)).data, status=status_code)

        return self.handle_idempotent(request, execute)


class DangerouslyPublicApi(APIView):
    """The one way to expose an endpoint that no tenant calls (Stripe's webhook): no tenant, no authentication,
    no session, nothing visible under RLS (the middleware's request scope stays tenant-less). Trust must come from
    a signature over the raw body, which the subclass's service verifies before it reads or writes anything; the
    subclass names the header in `signature_header`, so a reviewer sees which one. Everything it then touches in
    the database runs in a system context its service opens and names."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    signature_header: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.signature_header:
            raise TypeError(f"{cls.__name__} must name the signature header it verifies (signature_header)")
        for forbidden in ("authentication_classes", "permission_classes"):
            if forbidden in cls.__dict__:
                raise TypeError(f"{cls.__name__} may not override {forbidden}: a public API has no principal")

    def signature(self, request: Request) -> str:
        return request.headers.get(self.signature_header, "")
