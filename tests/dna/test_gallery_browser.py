from __future__ import annotations

import pytest

from tests.tenants.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
KEY = "cyber.arp-spoofing"


def _sign_in(page, username):
    page.goto("/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_the_gallery_is_walked_and_a_demo_is_loaded(page, width, height, tmp_path):
    # given
    tenant = TenantFactory(slug=f"gallery-{width}", name="Gallery walk")
    MembershipFactory(tenant=tenant, role="analyst", user=UserFactory(username=f"gallery{width}@example.com"))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": width, "height": height})
    _sign_in(page, f"gallery{width}@example.com")
    # when: the cyber library's gallery
    page.goto("/dna/templates/?industry=cyber")
    cards = page.locator("[data-testid=template-card]")
    shown = cards.count()
    card = page.locator(f"[data-testid=template-card][data-key='{KEY}']")
    picture = card.locator("[data-testid=scenario-picture]")
    box = picture.bounding_box()
    marks = card.locator("svg.scenario g.alert").count()
    figures_visible = card.locator("[data-testid=figures]").is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    lefts = {round(cards.nth(i).bounding_box()["x"]) for i in range(3)}
    page.screenshot(path=str(tmp_path / f"gallery-{width}.png"), full_page=False)
    card.get_by_role("button", name="Try on demo data").click()
    # then: every use case is drawn with its alert marked, the page fits the screen, the demo stream opens
    assert shown >= 25 and box is not None and box["width"] > 0.8 * min(width, 360)
    assert marks >= 1 and figures_visible
    assert overflow <= 0
    assert len(lefts) == (1 if width < 560 else 3)  # one column on a phone, a grid on a desktop
    assert "Demo data loaded into the sandbox" in page.locator(".messages").inner_text()
    assert page.url.rstrip("/").split("/")[-2] == "streams"
    assert errors == []
