"""Forms refuse what would break the product later, with a message beside the field."""
from __future__ import annotations

import pytest
from django.test import Client

from apps.signals.models import WebhookEndpoint
from apps.tenants.models import Tenant

pytestmark = pytest.mark.django_db

BRANDING = {"display_name": "Helios Shield", "primary_color": "#b35900", "logo_url": "", "custom_domain": ""}


@pytest.fixture
def owner(tenant, make_member) -> Client:
    client = Client()
    client.force_login(make_member(tenant, role="owner"))
    return client


@pytest.mark.parametrize("domain", ["bad domain!", "https://portal.example.com", "portal.example.com:8000",
                                    "portal.example.com/path", "-portal.example.com", "localhost"])
def test_a_custom_domain_that_no_browser_could_send_is_refused(owner, tenant, domain):
    # when
    response = owner.post("/settings/branding/", {**BRANDING, "custom_domain": domain})
    # then
    assert response.status_code == 200 and "Enter a domain name such as portal.example.com" in response.content.decode()
    assert Tenant.objects.get(pk=tenant.pk).custom_domain is None


def test_a_custom_domain_is_stored_lower_case_and_serves_the_brand(owner, tenant):
    # when
    response = owner.post("/settings/branding/", {**BRANDING, "custom_domain": "Portal.Example.COM."})
    # then
    assert response.status_code == 302
    assert Tenant.objects.get(pk=tenant.pk).custom_domain == "portal.example.com"
    assert "Helios Shield" in Client().get("/login/", HTTP_HOST="portal.example.com").content.decode()


@pytest.mark.parametrize("logo", ["javascript:alert(1)", "ftp://example.com/logo.png", "not a url"])
def test_a_logo_that_is_not_a_web_address_is_refused(owner, tenant, logo):
    # when
    response = owner.post("/settings/branding/", {**BRANDING, "logo_url": logo})
    # then
    assert response.status_code == 200 and "Enter the full address of an image" in response.content.decode()
    assert Tenant.objects.get(pk=tenant.pk).logo_url == ""


@pytest.mark.parametrize(("url", "message"), [("ftp://example.com/hook", "Use an http:// or https:// URL."),
                                              ("http://bad host!/hook", "Enter a valid URL.")])
def test_a_bad_webhook_url_comes_back_with_the_reason_beside_the_field(owner, url, message):
    # when
    response = owner.post("/webhooks/create/", {"url": url, "description": "SIEM"})
    # then
    page = response.content.decode()
    assert response.status_code == 400 and 'data-testid="webhook-url-error"' in page and message in page
    assert f'value="{url}"' in page and not WebhookEndpoint.objects.exists()
