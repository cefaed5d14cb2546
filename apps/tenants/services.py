from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError
from apps.ops.services import audit_record, snapshot
from apps.tenants.brand_cache import brands_forget
from apps.tenants.errors import TenantErrorCode
from apps.tenants.key_cache import key_forget
from apps.tenants.models import ApiKey, Invitation, Membership, Role, Tenant, TenantKind
from apps.tenants.roles import SCOPES

BRANDING_FIELDS = ["display_name", "logo_url", "primary_color", "custom_domain"]


def domain_normalise(value: str | None) -> str | None:
    """Hosts compare case-insensitively and may carry a trailing root dot; store the one spelling browsers send."""
    return (value or "").strip().lower().rstrip(".") or None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def tenant_create(*, actor: Actor, name: str, slug: str, kind: str, parent: Tenant | None = None,
                  display_name: str = "", primary_color: str = "#1f6feb", custom_domain: str | None = None,
                  logo_url: str = "") -> Tenant:
    if parent is not None and (kind != TenantKind.ENTERPRISE or parent.kind != TenantKind.PARTNER):
        raise ApplicationError("Only a partner can own tenants, and only enterprise tenants.",
                               code=TenantErrorCode.INVALID_PARENT)
    tenant = Tenant(name=name, slug=slug, kind=kind, parent=parent, display_name=display_name,
                    primary_color=primary_color, custom_domain=domain_normalise(custom_domain), logo_url=logo_url)
    tenant.full_clean()
    tenant.save()
    audit_record(actor=actor, action="tenant.create", obj=tenant, tenant_id=tenant.pk, after=snapshot(tenant))
    return tenant


@transaction.atomic(durable=True)
def tenant_update_branding(*, actor: Actor, tenant: Tenant, **changes: str) -> Tenant:
    unknown = set(changes) - set(BRANDING_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown branding fields: {sorted(unknown)}", code=TenantErrorCode.UNKNOWN_FIELDS)
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = snapshot(tenant, BRANDING_FIELDS)
    for field, value in changes.items():
        setattr(tenant, field, domain_normalise(value) if field == "custom_domain" else value)
    tenant.full_clean()
    tenant.save()
    audit_record(actor=actor, action="tenant.update_branding", obj=tenant, tenant_id=tenant.pk, before=before,
                 after=snapshot(tenant, BRANDING_FIELDS))
    transaction.on_commit(brands_forget)  # other processes follow within BRAND_CACHE_SECONDS
    return tenant


@transaction.atomic
def membership_add(*, actor: Actor, tenant: Tenant, user: User, role: str) -> Membership:
    if Membership.objects.filter(tenant=tenant, user=user).exists():
        raise ConflictError("That user is already a member.", code=TenantErrorCode.ALREADY_MEMBER)
    membership = Membership(tenant=tenant, user=user, role=role)
    membership.full_clean()
    membership.save()
    audit_record(actor=actor, action="membership.add", obj=membership, tenant_id=tenant.pk,
                 after=snapshot(membership, ["user_id", "role"]))
    return membership


def _check_owner_rules(*, actor_role: str, membership: Membership, new_role: str | None) -> None:
    touches_owner = membership.role == Role.OWNER or new_role == Role.OWNER
    if touches_owner and actor_role != Role.OWNER:
        raise ApplicationError("Only an owner can grant, change or remove the owner role.",
                               code=TenantErrorCode.ROLE_NOT_ALLOWED, status=403)
    if membership.role == Role.OWNER and new_role != Role.OWNER:
        owners = Membership.objects.filter(tenant_id=membership.tenant_id, role=Role.OWNER).count()
        if owners <= 1:
            raise ApplicationError("A tenant must keep at least one owner.", code=TenantErrorCode.LAST_OWNER)


@transaction.atomic(durable=True)
def membership_change_role(*, actor: Actor, actor_role: str, tenant: Tenant, membership_id: int,
                           role: str) -> Membership:
    membership = Membership.objects.select_for_update().get(tenant=tenant, pk=membership_id)
    _check_owner_rules(actor_role=actor_role, membership=membership, new_role=role)
    before = snapshot(membership, ["role"])
    membership.role = role
    membership.full_clean()
    membership.save()
    audit_record(actor=actor, action="membership.change_role", obj=membership, tenant_id=tenant.pk,
                 before=before, after=snapshot(membership, ["role"]))
    return membership


@transaction.atomic(durable=True)
def membership_remove(*, actor: Actor, actor_role: str, tenant: Tenant, membership_id: int) -> None:
    membership = Membership.objects.select_for_update().get(tenant=tenant, pk=membership_id)
    _check_owner_rules(actor_role=actor_role, membership=membership, new_role=None)
    before = snapshot(membership, ["user_id", "role"])
    audit_record(actor=actor, action="membership.remove", obj=membership, tenant_id=tenant.pk, before=before)
    membership.delete()


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str


@transaction.atomic(durable=True)
def invitation_create(*, actor: Actor, actor_role: str, tenant: Tenant, email: str, role: str,
                      accept_url_template: str) -> IssuedInvitation:
    """Invite by e-mail. The link carries a random token; only its hash is stored. Mail goes out after commit."""
    if role == Role.OWNER and actor_role != Role.OWNER:
        raise ApplicationError("Only an owner can invite an owner.", code=TenantErrorCode.ROLE_NOT_ALLOWED, status=403)
    email = email.strip().lower()
    if Membership.objects.filter(tenant=tenant, user__email__iexact=email).exists():
        raise ConflictError("That person is already a member.", code=TenantErrorCode.ALREADY_MEMBER)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(tenant=tenant, email=email, role=role, token_hash=_hash(token),
                            invited_by_id=actor.user_id,
                            expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS))
    invitation.full_clean()
    invitation.save()
    audit_record(actor=actor, action="invitation.create", obj=invitation, tenant_id=tenant.pk,
                 after={"email": email, "role": role})
    link = accept_url_template.replace("TOKEN", token)
    transaction.on_commit(lambda: send_mail(
        subject=f"You are invited to {tenant.brand_name} on Thermodynasty",
        message=f"You have been invited to join {tenant.brand_name} as {role}.\n\nAccept: {link}\n",
        from_email=None, recipient_list=[email],
    ))
    return IssuedInvitation(invitation=invitation, token=token)


def invitation_by_token(*, token: str) -> Invitation | None:
    """Looked up by its secret token, before the visitor belongs to any tenant."""
    from apps.tenants import rls

    with rls.pre_tenant_read():
        invitation = Invitation.objects.select_related("tenant").filter(token_hash=_hash(token)).first()
    if invitation is None or invitation.accepted_at or invitation.revoked_at or invitation.expires_at < timezone.now():
        return None
    return invitation


@transaction.atomic(durable=True)
def invitation_accept(*, token: str, user: User | None, password: str = "") -> Membership:
    """Accept as the signed-in user (same e-mail), or create the account when nobody is signed in."""
    from apps.tenants import rls

    with rls.pre_tenant_read():
        invitation = Invitation.objects.select_for_update().filter(token_hash=_hash(token)).first()
    if invitation is None or invitation.accepted_at or invitation.revoked_at \
            or invitation.expires_at < timezone.now():
        raise ApplicationError("This invitation is invalid or has expired.",
                               code=TenantErrorCode.INVITATION_INVALID)
    with rls.tenant_scope(invitation.tenant_id):
        if user is None:
            user = _user_for_invitation(email=invitation.email, password=password)
        elif user.email.lower() != invitation.email:
            raise ApplicationError("This invitation was sent to another e-mail address.",
                                   code=TenantErrorCode.INVITATION_EMAIL_MISMATCH)
        actor = Actor(user_id=user.pk, label=user.get_username())
        membership = membership_add(actor=actor, tenant=invitation.tenant, user=user, role=invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at", "updated_at"])
        audit_record(actor=actor, action="invitation.accept", obj=invitation, tenant_id=invitation.tenant_id)
    return membership


def _user_for_invitation(*, email: str, password: str) -> User:
    from django.contrib.auth.password_validation import validate_password

    user_model = get_user_model()
    if user_model.objects.filter(email__iexact=email).exists():
        raise ApplicationError("An account with this e-mail exists: sign in first, then open the link again.",
                               code=TenantErrorCode.INVITATION_EMAIL_MISMATCH)
    user = user_model(username=email, email=email)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic(durable=True)
def invitation_revoke(*, actor: Actor, tenant: Tenant, invitation_id: int) -> None:
    invitation = Invitation.objects.select_for_update().get(tenant=tenant, pk=invitation_id)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_record(actor=actor, action="invitation.revoke", obj=invitation, tenant_id=tenant.pk)


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    secret: str  # the full key, shown once


@transaction.atomic(durable=True)
def api_key_create(*, actor: Actor, tenant: Tenant, name: str, scopes: list[str],
                   creator_scopes: list[str] | None = None) -> IssuedApiKey:
    """Create a key `td_<prefix>_<secret>`. A key creating a key may only grant scopes it holds itself."""
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise ApplicationError(f"Choose one or more scopes among {', '.join(SCOPES)}.",
                               code=TenantErrorCode.SCOPE_NOT_ALLOWED, extra={"fields": {"scopes": unknown}})
    if creator_scopes is not None and not set(scopes) <= set(creator_scopes):
        raise ApplicationError("A key cannot grant scopes it does not hold.", code=TenantErrorCode.SCOPE_NOT_ALLOWED,
                               status=403)
    prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    api_key = ApiKey(tenant=tenant, name=name, prefix=prefix, secret_hash=_hash(secret),
                     scopes=sorted(set(scopes)), created_by_id=actor.user_id)
    api_key.full_clean()
    api_key.save()
    audit_record(actor=actor, action="api_key.create", obj=api_key, tenant_id=tenant.pk,
                 after={"name": name, "prefix": prefix, "scopes": api_key.scopes})
    return IssuedApiKey(api_key=api_key, secret=f"td_{prefix}_{secret}")


@transaction.atomic(durable=True)
def api_key_revoke(*, actor: Actor, tenant: Tenant, key_id: int) -> ApiKey:
    api_key = ApiKey.objects.select_for_update().get(tenant=tenant, pk=key_id)
    if api_key.revoked_at is not None:
        raise ConflictError("This key is already revoked.", code=TenantErrorCode.KEY_ALREADY_REVOKED)
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at", "updated_at"])
    # This process forgets the key now and again at the commit (a request may cache it in between); the other
    # processes within the cache's bound (apps/tenants/key_cache.py).
    key_forget(api_key.prefix)
    transaction.on_commit(partial(key_forget, api_key.prefix))
    audit_record(actor=actor, action="api_key.revoke", obj=api_key, tenant_id=tenant.pk,
                 before={"revoked_at": None}, after={"revoked_at": api_key.revoked_at.isoformat()})
    return api_key


def api_key_authenticate(*, raw: str) -> ApiKey | None:
    """Resolve `td_<prefix>_<secret>` to an active key, in constant time per candidate; None when invalid."""
    from apps.tenants import rls

    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != "td":
        return None
    with rls.pre_tenant_read():
        api_key = ApiKey.objects.select_related("tenant").filter(prefix=parts[1]).first()
    if api_key is None or not secrets.compare_digest(api_key.secret_hash, _hash(parts[2])):
        return None
    if api_key.revoked_at is not None or not api_key.tenant.is_active:
        return None
    return api_key


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record last use, at most once a minute per key so hot keys don't write on every call."""
    from apps.tenants import rls

    now = timezone.now()
    if api_key.last_used_at and now - api_key.last_used_at < timedelta(minutes=1):
        return
    with rls.tenant_scope(api_key.tenant_id):
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now


@transaction.atomic(durable=True)
def client_tenant_create(*, actor: Actor, partner: Tenant, name: str, slug: str, owner: User,
                         owner_email: str = "", accept_url_template: str = "") -> Tenant:
    """A partner opens an enterprise client under its white label; the creating user administers it, and an
    optional owner is invited by e-mail."""
    from apps.tenants import rls

    if partner.kind != TenantKind.PARTNER:
        raise ApplicationError("Only partners have client tenants.", code=TenantErrorCode.NOT_A_PARTNER, status=403)
    # The new tenant's id is known only once its row exists, and its first audit row already carries it.
    with rls.system_context(reason="a partner creates another tenant"):
        client = tenant_create(actor=actor, name=name, slug=slug, kind=TenantKind.ENTERPRISE, parent=partner)
    with rls.tenant_scope(client.pk):
        membership_add(actor=actor, tenant=client, user=owner, role=Role.ADMIN)
        _invite_client_owner(actor=actor, partner=partner, client=client, owner_email=owner_email,
                             accept_url_template=accept_url_template)
    return client


def _invite_client_owner(*, actor: Actor, partner: Tenant, client: Tenant, owner_email: str,
                         accept_url_template: str) -> None:
    if owner_email:
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            tenant=client, email=owner_email.strip().lower(), role=Role.OWNER, token_hash=_hash(token),
            invited_by_id=actor.user_id, expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS))
        audit_record(actor=actor, action="invitation.create", obj=invitation, tenant_id=client.pk,
                     after={"email": invitation.email, "role": Role.OWNER})
        link = accept_url_template.replace("TOKEN", token)
        transaction.on_commit(lambda: send_mail(
            subject=f"{partner.brand_name} opened {client.name} for you",
            message=f"You are invited to own {client.name} on {partner.brand_name}.\n\nAccept: {link}\n",
            from_email=None, recipient_list=[invitation.email]))
