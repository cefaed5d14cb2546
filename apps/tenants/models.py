from __future__ import annotations

import re

from django.conf import settings
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.db.models import Q

from apps.core.models import TenantOwnedModel


class TenantKind(models.TextChoices):
    PLATFORM = "platform", "Platform"
    PARTNER = "partner", "Partner"
    ENTERPRISE = "enterprise", "Enterprise"


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    ANALYST = "analyst", "Analyst"
    VIEWER = "viewer", "Viewer"


# A host name as browsers send it: dot-separated labels of letters, digits and inner hyphens, at least two labels,
# no scheme, port, path or spaces. Anything else could never match a request's Host and breaks the white-label site.
DOMAIN_VALIDATOR = RegexValidator(
    r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+\.?$",
    "Enter a domain name such as portal.example.com: letters, digits and hyphens separated by dots, without "
    "http://, a port, a path or spaces.", code="invalid_domain", flags=re.IGNORECASE)
LOGO_URL_VALIDATOR = URLValidator(schemes=["https", "http"],
                                  message="Enter the full address of an image, such as https://example.com/logo.png.")


class Tenant(models.Model):
    """An organisation. A partner may own enterprise tenants (white-label clients) and brand their portal."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=TenantKind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="clients")
    display_name = models.CharField(max_length=200, blank=True)
    logo_url = models.URLField(blank=True, validators=[LOGO_URL_VALIDATOR])
    primary_color = models.CharField(
        max_length=7, default="#1f6feb",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a hex colour such as #1f6feb.")],
    )
    custom_domain = models.CharField(max_length=253, null=True, blank=True, unique=True, validators=[DOMAIN_VALIDATOR],
                                     help_text="Lower-case host name, e.g. portal.example.com.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="tenant_parent_only_for_enterprise",
                condition=Q(parent__isnull=True) | Q(kind="enterprise"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def brand_name(self) -> str:
        return self.display_name or self.name


class Membership(TenantOwnedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_user_tenant")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant_id} ({self.role})"


class Invitation(TenantOwnedModel):
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)


class ApiKey(TenantOwnedModel):
    """A partner system's credential. Only a SHA-256 of the secret is stored; the prefix is public."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
