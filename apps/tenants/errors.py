from __future__ import annotations

from enum import StrEnum


class TenantErrorCode(StrEnum):
    NOT_A_PARTNER = "not_a_partner"
    INVALID_PARENT = "invalid_parent"
    ALREADY_MEMBER = "already_member"
    LAST_OWNER = "last_owner"
    ROLE_NOT_ALLOWED = "role_not_allowed"
    INVITATION_INVALID = "invitation_invalid"
    INVITATION_EMAIL_MISMATCH = "invitation_email_mismatch"
    SCOPE_NOT_ALLOWED = "scope_not_allowed"
    KEY_ALREADY_REVOKED = "key_already_revoked"
    NOT_A_MEMBER = "not_a_member"
    UNKNOWN_FIELDS = "unknown_fields"
