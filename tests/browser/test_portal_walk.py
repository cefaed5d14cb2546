from __future__ import annotations

import pytest

from apps.tenants.models import ApiKey
from tests.tenants.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_new_user_signs_in_creates_a_key_and_signs_out(page, tmp_path):
    # given
    tenant = TenantFactory(slug="walk", name="Walkthrough Ltd")
    MembershipFactory(tenant=tenant, role="owner", user=UserFactory(username="walker@example.com"))
    # when: sign in as a person would
    page.goto("/")
    page.get_by_label("Username or e-mail").fill("walker@example.com")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Walkthrough Ltd").wait_for()
    # and create an API key
    page.get_by_role("link", name="API keys", exact=True).click()
    page.get_by_label("Name").fill("Browser key")
    page.get_by_role("button", name="Create key").click()
    secret = page.get_by_test_id("new-key-secret").inner_text()
    page.screenshot(path=str(tmp_path / "api-key.png"))
    # and sign out
    page.get_by_test_id("sign-out").click()
    page.get_by_role("heading", name="Sign in to Thermodynasty").wait_for()
    # then
    assert secret.startswith("td_")
    assert ApiKey.objects.get(tenant=tenant, name="Browser key").prefix == secret.split("_")[1]
    page.goto("/api-keys/")
    assert "/login/" in page.url
