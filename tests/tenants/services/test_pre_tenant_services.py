"""Services that start before a tenant is known: they find their tenant with a pre-tenant read, then write inside
that tenant's scope. Each runs here from a web request's state (no tenant yet) or another tenant's scope."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.ops.models import AuditLog
from apps.tenants import rls, services
from apps.tenants.models import ApiKey, Invitation, Membership
from tests.tenants.factories import ApiKeyFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

ACCEPT_URL = "https://app.example/accept/TOKEN"


def _invite(tenant, email: str = "new@example.com") -> str:
    owner = Actor(label="owner")
    return services.invitation_create(actor=owner, actor_role="owner", tenant=tenant, email=email, role="analyst",
                                      accept_url_template=ACCEPT_URL).token


def test_a_visitor_accepts_an_invitation_before_any_tenant_is_chosen(tenant):
    # given
    token = _invite(tenant)
    user = UserFactory(email="new@example.com")
    # when: a web request whose tenant is not known yet
    with rls.tenant_scope(None):
        membership = services.invitation_accept(token=token, user=user)
    # then
    assert (membership.tenant_id, membership.role) == (tenant.pk, "analyst")
    assert Invitation.objects.get(tenant=tenant).accepted_at is not None
    assert AuditLog.objects.filter(action="invitation.accept", tenant_id=tenant.pk).exists()


def test_an_invitation_is_accepted_into_its_own_tenant_from_another_tenants_scope(tenant, other_tenant):
    # given: a member of another tenant follows the link while that tenant is selected
    token = _invite(tenant)
    user = UserFactory(email="new@example.com")
    # when
    with rls.tenant_scope(other_tenant.pk):
        services.invitation_accept(token=token, user=user)
    # then
    assert Membership.objects.filter(tenant=tenant, user=user).exists()


def test_an_expired_invitation_is_refused_and_nothing_is_written(tenant):
    # given
    token = _invite(tenant)
    Invitation.objects.filter(tenant=tenant).update(expires_at=timezone.now() - timedelta(minutes=1))
    user = UserFactory(email="new@example.com")
    # when
    with rls.tenant_scope(None), pytest.raises(ApplicationError) as refused:
        services.invitation_accept(token=token, user=user)
    # then
    assert refused.value.code == "invitation_invalid"
    assert not Membership.objects.filter(tenant=tenant, user=user).exists()


def test_a_partner_opens_a_client_from_its_own_scope():
    # given
    partner = PartnerFactory(slug="partner-p")
    admin = UserFactory()
    # when: the partner's request scope cannot see the client's rows, yet the client is set up whole
    with rls.tenant_scope(partner.pk):
        client = services.client_tenant_create(actor=Actor(label="partner"), partner=partner, name="Client",
                                               slug="client-c", owner=admin, owner_email="boss@example.com",
                                               accept_url_template=ACCEPT_URL)
    # then
    assert client.parent_id == partner.pk
    assert Membership.objects.filter(tenant=client, user=admin, role="admin").exists()
    assert Invitation.objects.filter(tenant=client, email="boss@example.com", role="owner").exists()
    assert AuditLog.objects.filter(action="tenant.create", tenant_id=client.pk).exists()


def test_an_api_key_is_found_and_touched_from_a_request_without_a_tenant(tenant):
    # given
    issued = ApiKeyFactory.issue(tenant=tenant)
    # when
    with rls.tenant_scope(None):
        found = services.api_key_authenticate(raw=issued.secret)
        assert found is not None
        services.api_key_touch(api_key=found)
    # then
    assert found.pk == issued.api_key.pk
    assert ApiKey.objects.get(pk=found.pk).last_used_at is not None
