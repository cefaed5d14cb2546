from __future__ import annotations

import pytest

from tests.dna.factories import make_graph
from tests.tenants.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_cascade_is_drawn_and_moves_with_the_time_slider(page, tmp_path):
    # given
    tenant = TenantFactory(slug="graph-walk", name="Graph walk")
    MembershipFactory(tenant=tenant, role="viewer", user=UserFactory(username="grapher@example.com"))
    assets = make_graph(tenant, [("b", "a", "depends_on", 0.5), ("b", "c", "flows_to", 0.8),
                                 ("c", "d", "connects", 0.9), ("e", "d", "hosts", 1.0)])
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/")
    page.get_by_label("Username or e-mail").fill("grapher@example.com")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Graph", exact=True).click()
    # when: a cascade from asset a, at its first and its last frame
    page.goto(f"/dna/graph/?asset={assets['a'].pk}")
    canvas = page.locator("canvas[data-graph]")
    first_label = page.locator("[data-frame-label]").inner_text()
    first = canvas.screenshot(path=str(tmp_path / "cascade-0.png"))
    page.locator("input[data-frames]").fill("39")
    last_label = page.locator("[data-frame-label]").inner_text()
    last = canvas.screenshot(path=str(tmp_path / "cascade-39.png"))
    # then
    assert errors == []
    assert first_label == "t = 0.00 · coherence 1.000" and last_label.startswith("t = 5.00")
    assert first != last
