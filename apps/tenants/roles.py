"""What each membership role may do, and which API-key scope each permission needs."""
from __future__ import annotations

from enum import StrEnum

from apps.tenants.models import Role


class Permission(StrEnum):
    VIEW = "view"
    ANALYZE = "analyze"
    TRADE = "trade"
    MOVE_FUNDS = "move_funds"
    MANAGE_KEYS = "manage_keys"  # webhook endpoints
    MANAGE_API_KEYS = "manage_api_keys"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_OWNERS = "manage_owners"
    MANAGE_TENANT = "manage_tenant"


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.VIEW}),
    Role.ANALYST: frozenset({Permission.VIEW, Permission.ANALYZE, Permission.TRADE}),
    Role.ADMIN: frozenset({Permission.VIEW, Permission.ANALYZE, Permission.TRADE, Permission.MOVE_FUNDS,
                           Permission.MANAGE_KEYS, Permission.MANAGE_API_KEYS,
                           Permission.MANAGE_MEMBERS, Permission.MANAGE_TENANT}),
    Role.OWNER: frozenset(Permission),
}

SCOPES = ("read", "write", "trade", "keys")

# API keys carry scopes instead of roles; member, owner and tenant management are never granted to a key. Managing
# API keys needs the dedicated `keys` scope (never implied by `write`), so a write key cannot revoke the others.
PERMISSION_SCOPE: dict[Permission, str | None] = {
    Permission.VIEW: "read",
    Permission.ANALYZE: "write",
    Permission.TRADE: "trade",
    Permission.MOVE_FUNDS: "write",
    Permission.MANAGE_KEYS: "write",
    Permission.MANAGE_API_KEYS: "keys",
    Permission.MANAGE_MEMBERS: None,
    Permission.MANAGE_OWNERS: None,
    Permission.MANAGE_TENANT: None,
}


def role_allows(role: str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def scopes_allow(scopes: list[str], permission: Permission) -> bool:
    needed = PERMISSION_SCOPE[permission]
    return needed is not None and needed in scopes
