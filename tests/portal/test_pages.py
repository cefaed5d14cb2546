from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from apps.ops.models import AuditLog
from apps.tenants.models import ApiKey, Invitation, Membership, TenantKind
from tests.tenants.factories import ApiKeyFactory, MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = ["/", "/members/", "/api-keys/", "/clients/"]


@pytest.fixture
def owner_client(tenant, make_member) -> Client:
    client = Client()
    client.force_login(make_member(tenant, role="owner"))
    return client


@pytest.mark.parametrize("path", PAGES)
def test_each_page_renders_for_a_member(owner_client, path):
    # when
    response = owner_client.get(path)
    # then
    assert response.status_code == 200


@pytest.mark.parametrize("path", PAGES + ["/settings/branding/"])
def test_pages_need_sign_in(path):
    # when
    response = Client().get(path)
    # then
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_sign_in_and_out(tenant, make_member):
    # given
    user = make_member(tenant, role="viewer", username="ann@example.com")
    client = Client()
    # when
    signed_in = client.post("/login/", {"username": "ann@example.com", "password": "correct-horse-battery"})
    home = client.get("/")
    signed_out = client.post("/logout/")
    # then
    assert signed_in.status_code == 302
    assert tenant.name in home.content.decode()
    assert signed_out.status_code == 302
    assert client.get("/").status_code == 302
    assert user.is_authenticated


def test_repeated_failures_lock_the_account(tenant, make_member, settings):
    # given
    settings.LOGIN_LOCKOUT_THRESHOLD = 3
    make_member(tenant, username="bob@example.com")
    client = Client()
    for _ in range(3):
        client.post("/login/", {"username": "bob@example.com", "password": "wrong"})
    # when: even the right password is refused while locked
    response = client.post("/login/", {"username": "bob@example.com", "password": "correct-horse-battery"})
    # then
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_threshold_resets_the_count(tenant, make_member, settings):
    # given
    settings.LOGIN_LOCKOUT_THRESHOLD = 3
    make_member(tenant, username="cy@example.com")
    client = Client()
    for _ in range(2):
        client.post("/login/", {"username": "cy@example.com", "password": "wrong"})
    # when
    client.post("/login/", {"username": "cy@example.com", "password": "correct-horse-battery"})
    client.post("/logout/")
    client.post("/login/", {"username": "cy@example.com", "password": "wrong"})
    response = client.post("/login/", {"username": "cy@example.com", "password": "correct-horse-battery"})
    # then
    assert response.status_code == 302


def test_password_reset_sends_a_working_link(tenant, make_member):
    # given
    make_member(tenant, username="dee@example.com")
    client = Client()
    # when
    client.post("/password-reset/", {"email": "dee@example.com"})
    link = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "a-new-long-passphrase",
                                                    "new_password2": "a-new-long-passphrase"})
    # then
    assert done.status_code == 302
    assert Client().login(username="dee@example.com", password="a-new-long-passphrase")


def test_creating_a_key_shows_its_secret_once_and_a_refresh_creates_no_second_key(owner_client, tenant):
    # when: post, redirect, get; then the browser's refresh repeats only the get
    created = owner_client.post("/api-keys/create/", {"name": "SIEM", "scopes": ["read", "write"]})
    shown = owner_client.get(created["Location"])
    refreshed = owner_client.get(created["Location"])
    # then
    assert created.status_code == 302 and created["Location"] == "/api-keys/"
    secret = re.search(r'data-testid="new-key-secret">(td_[^<]+)<', shown.content.decode()).group(1)
    assert ApiKey.objects.get(tenant=tenant, name="SIEM").prefix == secret.split("_")[1]
    assert 'data-copy="new-key-secret"' in shown.content.decode()
    assert secret not in refreshed.content.decode() and ApiKey.objects.filter(tenant=tenant).count() == 1
    assert secret not in str(dict(owner_client.session))


def test_revoking_a_key_from_the_portal(owner_client, tenant):
    # given
    key = ApiKeyFactory.issue(tenant=tenant).api_key
    # when
    owner_client.post(f"/api-keys/{key.id}/revoke/")
    # then
    key.refresh_from_db()
    assert key.revoked_at is not None


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_roles_without_key_management_cannot_create_or_revoke(tenant, make_member, role):
    # given
    key = ApiKeyFactory.issue(tenant=tenant).api_key
    client = Client()
    client.force_login(make_member(tenant, role=role))
    # when
    created = client.post("/api-keys/create/", {"name": "x", "scopes": ["read"]})
    revoked = client.post(f"/api-keys/{key.id}/revoke/")
    # then
    assert created.status_code == revoked.status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None and not ApiKey.objects.filter(name="x").exists()


def test_foreign_objects_answer_404_in_the_portal(owner_client, other_tenant):
    # given
    foreign_key = ApiKeyFactory.issue(tenant=other_tenant).api_key
    foreign_member = MembershipFactory(tenant=other_tenant, role="viewer")
    # when
    responses = [
        owner_client.post(f"/api-keys/{foreign_key.id}/revoke/"),
        owner_client.post(f"/members/{foreign_member.id}/role/", {"role": "owner"}),
        owner_client.post(f"/members/{foreign_member.id}/remove/"),
        owner_client.post("/switch-tenant/", {"tenant_id": other_tenant.id}),
    ]
    # then
    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    foreign_key.refresh_from_db()
    foreign_member.refresh_from_db()
    assert foreign_key.revoked_at is None and foreign_member.role == "viewer"


def test_foreign_tenant_data_never_shows_on_pages(owner_client, other_tenant):
    # given
    ApiKeyFactory.issue(tenant=other_tenant, name="their-secret-key")
    MembershipFactory(tenant=other_tenant, user=UserFactory(username="stranger@example.com"))
    # when
    body = "".join(owner_client.get(p).content.decode() for p in PAGES)
    # then
    assert "their-secret-key" not in body and "stranger@example.com" not in body


def test_inviting_and_accepting_creates_a_member(owner_client, tenant, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/members/invite/", {"email": "new@example.com", "role": "analyst"})
    link = re.search(r"http://testserver(/invitations/\S+/)", mail.outbox[0].body).group(1)
    newcomer = Client()
    # when
    page = newcomer.get(link)
    accepted = newcomer.post(link, {"password": "a-long-enough-pass", "password_confirm": "a-long-enough-pass"})
    # then
    assert page.status_code == 200
    assert accepted.status_code == 302
    membership = Membership.objects.get(tenant=tenant, user__email="new@example.com")
    assert membership.role == "analyst"
    assert newcomer.get("/").status_code == 200
    assert newcomer.get(link).status_code == 404  # used once


def test_an_admin_cannot_grant_the_owner_role(tenant, make_member):
    # given
    client = Client()
    client.force_login(make_member(tenant, role="admin"))
    target = MembershipFactory(tenant=tenant, role="viewer")
    # when
    client.post(f"/members/{target.id}/role/", {"role": "owner"})
    client.post("/members/invite/", {"email": "boss@example.com", "role": "owner"})
    # then
    target.refresh_from_db()
    assert target.role == "viewer"
    assert not Invitation.objects.filter(email="boss@example.com").exists()


def test_the_last_owner_cannot_be_removed(owner_client, tenant):
    # given
    membership = Membership.objects.get(tenant=tenant, role="owner")
    # when
    owner_client.post(f"/members/{membership.id}/remove/")
    # then
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_tenant_switcher_moves_between_memberships(tenant, other_tenant, make_member):
    # given
    user = make_member(tenant, role="owner")
    MembershipFactory(tenant=other_tenant, user=user, role="viewer")
    client = Client()
    client.force_login(user)
    # when
    client.post("/switch-tenant/", {"tenant_id": other_tenant.id})
    # then
    assert other_tenant.name in client.get("/").content.decode()
    assert client.get("/api/v1/tenant/").json()["id"] == other_tenant.id


def test_a_partners_custom_domain_renders_its_branding(db):
    # given
    TenantFactory(slug="helios", kind=TenantKind.PARTNER, display_name="Helios Shield",
                  primary_color="#b35900", custom_domain="portal.helios.example")
    # when
    branded = Client().get("/login/", HTTP_HOST="portal.helios.example").content.decode()
    plain = Client().get("/login/").content.decode()
    # then
    assert "Helios Shield" in branded and "#b35900" in branded
    assert "Helios Shield" not in plain


def test_a_partners_clients_are_listed(db, make_member):
    # given
    partner = TenantFactory(slug="p", kind=TenantKind.PARTNER)
    TenantFactory(slug="c1", name="Client One", parent=partner)
    TenantFactory(slug="c2", name="Not Mine")
    client = Client()
    client.force_login(make_member(partner))
    # when
    body = client.get("/clients/").content.decode()
    # then
    assert "Client One" in body and "Not Mine" not in body


def test_branding_changes_are_audited(owner_client, tenant):
    # when
    owner_client.post("/settings/branding/", {"display_name": "Acme", "logo_url": "", "primary_color": "#123456",
                                              "custom_domain": ""})
    # then
    tenant.refresh_from_db()
    assert tenant.primary_color == "#123456"
    log = AuditLog.objects.get(action="tenant.update_branding")
    assert log.after["primary_color"] == "#123456" and log.before["primary_color"] != "#123456"


def test_a_partner_opens_a_client_and_invites_its_owner(db, make_member, django_capture_on_commit_callbacks):
    # given
    partner = TenantFactory(slug="pp", kind=TenantKind.PARTNER)
    client = Client()
    client.force_login(make_member(partner, role="owner"))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/clients/create/", {"name": "Gridco", "slug": "gridco", "owner_email": "boss@gridco.example"})
    duplicate = client.post("/clients/create/", {"name": "Again", "slug": "gridco"})
    # then
    from apps.tenants.models import Tenant

    gridco = Tenant.objects.get(slug="gridco")
    assert gridco.parent_id == partner.pk and gridco.kind == "enterprise"
    assert Invitation.objects.get(tenant=gridco).role == "owner"
    assert "boss@gridco.example" in mail.outbox[0].to
    assert duplicate.status_code == 400 and "slug is taken" in duplicate.content.decode()


def test_a_non_partner_cannot_open_clients(tenant, make_member):
    # given
    client = Client()
    client.force_login(make_member(tenant, role="owner"))
    # when
    client.post("/clients/create/", {"name": "X", "slug": "x-client"})
    # then
    from apps.tenants.models import Tenant

    assert not Tenant.objects.filter(slug="x-client").exists()
