"""A new user's first hour in headless Chromium, at desktop and phone width: buying CEU in the stand-in's test
mode (cancel, then pay), and an API key shown once with a copy button and no second key on refresh."""
from __future__ import annotations

import pytest

from apps.billing.models import CeuPack, Purchase
from apps.tenants.models import ApiKey
from tests.tenants.factories import MembershipFactory, TenantFactory, UserFactory
from tools.stripe_standin import StripeStandIn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = [pytest.param({"width": 1280, "height": 900}, id="desktop"),
          pytest.param({"width": 390, "height": 844}, id="phone")]


@pytest.fixture
def owner_page(browser, live_server):  # type: ignore[no-untyped-def]
    def open_as(viewport):  # type: ignore[no-untyped-def]
        tenant = TenantFactory(slug="first-hour", name="First Hour Ltd")
        MembershipFactory(tenant=tenant, role="owner", user=UserFactory(username="new@example.com"))
        context = browser.new_context(base_url=live_server.url, viewport=viewport)
        page = context.new_page()
        page.set_default_timeout(20000)
        page.goto("/login/")
        page.get_by_label("Username or e-mail").fill("new@example.com")
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_test_id("current-tenant").wait_for()
        return tenant, page

    return open_as


@pytest.mark.parametrize("viewport", WIDTHS)
def test_buying_ceu_in_test_mode_cancel_then_pay(owner_page, live_server, settings, viewport):
    # given: the stand-in as scripts/run.sh starts it without Stripe keys, posting webhooks to this server
    standin = StripeStandIn(webhook_secret="whsec_standin",
                            webhook_url=f"{live_server.url}/api/v1/billing/stripe/webhook/").start()
    settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE = standin.api_key, standin.base_url
    settings.STRIPE_WEBHOOK_SECRET = "whsec_standin"
    pack = CeuPack.objects.create(name="Starter", ceu_amount=10_000_000, price_cents=1_000, currency="usd")
    tenant, page = owner_page(viewport)
    try:
        # when: the buyer opens Buy CEU, goes to checkout and cancels
        page.goto("/billing/")
        label = page.get_by_test_id("payments-test-mode").inner_text()
        page.get_by_test_id(f"buy-{pack.pk}").click()
        page.get_by_text("TEST MODE").first.wait_for()
        page.get_by_role("button", name="Cancel").click()
        cancelled = page.locator(".messages").inner_text()
        # and then buys again and pays
        page.get_by_test_id(f"buy-{pack.pk}").click()
        page.get_by_role("button", name="Pay").click()
        paid = page.locator(".messages").inner_text()
        available = page.get_by_test_id("ceu-available").inner_text()
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    finally:
        standin.stop()
    # then
    assert "TEST MODE" in label and "no card is charged" in label
    assert "Checkout cancelled" in cancelled and "Payment received: 10,000.000 CEU credited." in paid
    assert available == "10,000.000" and overflow <= 0
    assert sorted(Purchase.objects.filter(tenant=tenant).values_list("status", flat=True)) == ["cancelled", "paid"]


@pytest.mark.parametrize("viewport", WIDTHS)
def test_a_new_key_is_shown_once_with_a_copy_button_and_a_refresh_makes_no_second_key(owner_page, viewport):
    # given
    tenant, page = owner_page(viewport)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/api-keys/")
    # when
    page.get_by_label("Name").fill("SIEM connector")
    page.get_by_role("button", name="Create key").click()
    secret = page.get_by_test_id("new-key-secret").inner_text()
    page.get_by_test_id("copy-key").click()
    page.get_by_test_id("copy-key").get_by_text("Copied").wait_for()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    page.reload()
    # then
    assert copied == secret and secret.startswith("td_")
    assert page.get_by_test_id("new-key-secret").count() == 0
    assert ApiKey.objects.filter(tenant=tenant).count() == 1
