"""The demo platform at phone width (390 x 844, an iPhone 12-15) and desktop width: no page scrolls sideways, and
on a phone the navigation folds behind a Menu button."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from apps.portal.management.commands.seed_demo import DEMO_PASSWORD
from apps.signals.models import Stream

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MAIN_PAGES = ["/", "/streams/", "/alerts/", "/dna/assets/", "/dna/graph/", "/dna/templates/", "/lab/", "/markets/",
              "/capsules/", "/energy/", "/ledger/", "/billing/", "/members/", "/api-keys/", "/webhooks/"]
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def _sign_in(browser, live_server, viewport, username):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto("/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("current-tenant").wait_for()
    return context, page


def _overflowing(page, paths):  # type: ignore[no-untyped-def]
    wide = {}
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("load")
        extra = page.evaluate(OVERFLOW)
        if extra > 0:
            wide[path] = extra
    return wide


def test_the_main_pages_fit_a_phone_and_a_desktop_without_sideways_scrolling(browser, live_server, tmp_path):
    # given: the demo platform, as scripts/run.sh seeds it
    call_command("seed_demo", verbosity=0)
    stream = Stream.objects.filter(point_count__gt=0).order_by("pk").first()
    paths = MAIN_PAGES + ([f"/streams/{stream.pk}/"] if stream else [])
    shots = Path(os.environ.get("PHONE_SCREENSHOTS", tmp_path))
    phone_context, phone = _sign_in(browser, live_server, PHONE, "analyst@northwind.example")
    desktop_context, desktop = _sign_in(browser, live_server, DESKTOP, "analyst@northwind.example")
    # when
    phone_wide, desktop_wide = _overflowing(phone, paths), _overflowing(desktop, paths)
    phone.goto("/")
    folded = phone.get_by_test_id("topbar").bounding_box()["height"]
    phone.screenshot(path=str(shots / "phone-home.png"), full_page=False)
    phone.get_by_test_id("nav-toggle").click()
    phone.get_by_role("link", name="Alerts", exact=True).click()
    phone.wait_for_url("**/alerts/")
    # then
    assert stream is not None
    assert phone_wide == {} and desktop_wide == {}, f"pages wider than the screen (px): {phone_wide} {desktop_wide}"
    assert folded < 120, f"the folded header is {folded}px of 844"
    phone_context.close()
    desktop_context.close()


def test_a_phone_shows_the_current_tenant_without_opening_the_menu(browser, live_server):
    # given
    call_command("seed_demo", verbosity=0)
    context, page = _sign_in(browser, live_server, PHONE, "viewer@acme.example")
    # when
    chip = page.get_by_test_id("current-tenant")
    # then
    assert chip.is_visible() and chip.inner_text() == "Acme Water"
    assert not page.get_by_role("link", name="Streams", exact=True).is_visible()
    context.close()
