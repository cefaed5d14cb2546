from __future__ import annotations

import pytest

# Reuses the portal's Playwright fixture (system Chromium).
from tests.browser.conftest import browser  # noqa: F401
from tests.signals.factories import ingest_segmented, level_shift, make_stream
from tests.tenants.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _sign_in(page, username: str) -> None:
    page.goto("/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()


def _bands(page) -> list[dict[str, float]]:
    page.get_by_test_id("regime-band").first.wait_for()
    return page.eval_on_selector_all('[data-testid="regime-band"]', """els => els.map(e => {
        const r = e.getBoundingClientRect(), c = e.parentElement.querySelector('canvas').getBoundingClientRect();
        return {left: r.left - c.left, right: r.right - c.left, width: c.width, top: r.top - c.top,
                height: r.height, canvasHeight: c.height, start: +e.dataset.start, end: +e.dataset.end};
    })""")


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_a_stream_page_shows_its_regimes_as_bands_over_the_chart(browser, live_server, tmp_path,  # noqa: F811
                                                                width, height):
    # given: a stream whose level moved halfway, segmented
    tenant = TenantFactory(slug="regimes", name="Regimes Ltd")
    MembershipFactory(tenant=tenant, role="viewer", user=UserFactory(username="viewer@example.com"))
    stream = make_stream(tenant)
    ingest_segmented(tenant, stream, level_shift(300, 300))
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15000)
    # when
    _sign_in(page, "viewer@example.com")
    page.goto(f"/streams/{stream.pk}/")
    bands = _bands(page)
    page.screenshot(path=str(tmp_path / f"regimes-{width}.png"), full_page=True)
    context.close()
    # then: two bands that tile the plot area left to right and meet at the shift, halfway across
    assert len(bands) == 2
    first, second = sorted(bands, key=lambda b: b["left"])
    assert first["left"] == pytest.approx(64, abs=2) and second["right"] == pytest.approx(first["width"] - 16, abs=2)
    assert first["right"] == pytest.approx(second["left"], abs=1)
    assert 0.45 < (second["left"] - 64) / (first["width"] - 80) < 0.55
    assert all(b["top"] > 0 and 0 < b["height"] < b["canvasHeight"] for b in bands)
