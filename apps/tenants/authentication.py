from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from apps.core.client_address import client_address
from apps.core.throttling import failed_auth_record, failed_auth_wait, failed_auth_wait_and_hit, key_principal
from apps.tenants.key_cache import key_peek, key_remember
from apps.tenants.models import ApiKey
from apps.tenants.services import api_key_authenticate, api_key_touch


@dataclass
class ApiKeyPrincipal:
    """request.user for API-key calls: the partner system, not a person."""

    api_key: ApiKey
    is_authenticated: bool = True
    is_staff: bool = False
    pk: None = None

    def get_username(self) -> str:
        return f"api-key:{self.api_key.prefix}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request: Any) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        if scheme not in (self.keyword, "Bearer"):
            return None
        address, secret = client_address(request), raw.strip()
        api_key = key_peek(secret)
        if api_key is not None:
            # A key checked moments ago: the failed-attempt check and the rate-limit hit share one round trip
            wait, request.rate_hit = failed_auth_wait_and_hit(address, key_principal(api_key.pk))
        else:
            wait = failed_auth_wait(address)
        # Refused before the key's verdict is used, so a guesser over the limit learns nothing (cached or not)
        if wait is not None:
            raise exceptions.Throttled(wait=wait, detail="Too many failed API-key attempts from this address.")
        if api_key is None:
            api_key = key_remember(secret, api_key_authenticate(raw=secret))
        if api_key is None:
            failed_auth_record(address)
            raise exceptions.AuthenticationFailed("Invalid, revoked or unknown API key.")
        api_key_touch(api_key=api_key)
        return ApiKeyPrincipal(api_key=api_key), api_key

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.tenants.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Api-Key td_<prefix>_<secret>`"}
