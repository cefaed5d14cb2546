"""Your tenant, its members, API keys and (for partners) client tenants (apps/tenants)."""
from __future__ import annotations

from apps.tenants.errors import TenantErrorCode as T
from thermodynasty.openapi_docs.base import T0, T1, Doc, page

KEY = {"id": 31, "name": "ingest gateway", "prefix": "td_live_8f3k", "scopes": ["read", "write"],
       "created_at": T0, "last_used_at": T1, "revoked_at": None}
TENANT = {"id": 5, "name": "Helios Energy", "slug": "helios", "kind": "partner", "parent": None,
          "display_name": "Helios Insight", "logo_url": "https://cdn.helios.example/logo.svg",
          "primary_color": "#0b7285", "custom_domain": "insight.helios.example", "is_active": True,
          "created_at": T0}
CLIENT = {**TENANT, "id": 9, "name": "Northwind Utilities", "slug": "northwind", "kind": "enterprise",
          "parent": 5, "display_name": "", "logo_url": "", "primary_color": "#1f6feb", "custom_domain": None}

DOCS: dict[str, Doc] = {
    "tenant_current": Doc(
        "Get your tenant",
        "The tenant your API key belongs to, with its white-label branding (display name, logo, colour, domain).",
        response=TENANT),
    "members_list": Doc(
        "List members",
        "People with access to your tenant and their role (owner, admin, analyst, viewer).",
        response=page({"id": 3, "email": "ana@helios.example", "username": "ana", "role": "owner",
                       "created_at": T0})),
    "api_keys_list": Doc(
        "List API keys",
        "Your tenant's keys with their scopes and last use; secrets are never shown again after creation.",
        response=page(KEY)),
    "api_keys_create": Doc(
        "Create an API key",
        "Creates a key with the given scopes (`read`, `write`, `trade`). The `secret` is answered once: send it "
        "as `Authorization: Api-Key <secret>`.",
        request={"name": "ingest gateway", "scopes": ["read", "write"]},
        response={**KEY, "last_used_at": None, "secret": "td_live_8f3k.Qm9yZ2V0LW1lLW5vdCBhIHJlYWwga2V5"},
        errors={400: (T.SCOPE_NOT_ALLOWED,), 403: (T.SCOPE_NOT_ALLOWED, T.ROLE_NOT_ALLOWED)}),
    "api_keys_retrieve": Doc(
        "Get an API key", "One key's name, prefix, scopes and last use.", response=KEY),
    "api_keys_revoke": Doc(
        "Revoke an API key", "Revokes the key at once: requests signed with it answer 401 from now on.",
        response={**KEY, "revoked_at": T1}, errors={409: (T.KEY_ALREADY_REVOKED,)}),
    "client_tenants_list": Doc(
        "List client tenants",
        "Partners only: the enterprise tenants you manage under your brand.",
        response=page(CLIENT), errors={403: (T.NOT_A_PARTNER,)}),
    "client_tenants_retrieve": Doc(
        "Get a client tenant", "Partners only: one of your enterprise client tenants.",
        response=CLIENT, errors={403: (T.NOT_A_PARTNER,)}),
}
