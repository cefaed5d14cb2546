"""The stream page in Chromium at desktop and phone width: the range picker and a drag across a chart set the range
of every chart, alerts are marked on the charts by kind, and the page never scrolls sideways."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

# Reuses the portal's Playwright fixture (system Chromium).
from tests.browser.conftest import browser  # noqa: F401
from tests.signals.factories import ingest_segmented, level_shift, make_stream
from tests.tenants.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HOUR_MS = 3_600_000
# Each chart's drawn time axis and its alert marks, read from the page as charts.js left it.
CHARTS = """() => [...document.querySelectorAll('canvas[data-chart]')].map(c => ({
    source: c.dataset.source, xmin: c._scale && c._scale.xmin, xmax: c._scale && c._scale.xmax,
    marks: [...c.parentElement.querySelectorAll('[data-testid="alert-marker"]')].map(m => m.dataset.kind)}))"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def _sign_in(page: Any, username: str) -> None:
    page.goto("/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()


def _charts(page: Any) -> list[dict[str, Any]]:
    page.wait_for_load_state("load")
    page.wait_for_function("() => [...document.querySelectorAll('canvas[data-chart]')].every(c => c._scale)")
    return page.evaluate(CHARTS)


def _one_range(charts: list[dict[str, Any]]) -> tuple[int, int]:
    ranges = {(c["xmin"], c["xmax"]) for c in charts}
    assert len(charts) == 4 and len(ranges) == 1, charts
    return ranges.pop()


def _drag(page: Any, test_id: str, left: float, right: float) -> None:
    """A mouse drag across a chart from `left` to `right`, as fractions of its plot area's width."""
    page.get_by_test_id(test_id).scroll_into_view_if_needed()
    box = page.get_by_test_id(test_id).bounding_box()
    plot_left, plot_width = box["x"] + 64, box["width"] - 80
    y = box["y"] + box["height"] / 2
    page.mouse.move(plot_left + left * plot_width, y)
    page.mouse.down()
    page.mouse.move(plot_left + (left + right) / 2 * plot_width, y, steps=4)
    page.mouse.move(plot_left + right * plot_width, y, steps=4)
    with page.expect_navigation():
        page.mouse.up()


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_the_range_picker_and_a_drag_set_every_charts_range_and_alerts_are_marked(
        browser, live_server, tmp_path, width, height):  # noqa: F811
    # given: 50 hours of minute points whose level moves after 35 hours (a regime change), with one spike later
    tenant = TenantFactory(slug="ranges", name="Ranges Ltd")
    MembershipFactory(tenant=tenant, role="viewer", user=UserFactory(username="viewer@example.com"))
    stream = make_stream(tenant)
    points = level_shift(2100, 900)
    points[2600]["v"] += 60.0
    ingest_segmented(tenant, stream, points, batch=500)
    shots = Path(os.environ.get("STREAM_SCREENSHOTS", tmp_path))
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(20000)
    _sign_in(page, "viewer@example.com")
    # when: the page as it opens (the whole history), then the 24-hour preset, a drag across it, and the 1-hour one
    page.goto(f"/streams/{stream.pk}/")
    everything = _charts(page)
    whole = _one_range(everything)
    downsampled = page.get_by_test_id("downsampled").is_visible()
    wide_all = page.evaluate(OVERFLOW)
    page.screenshot(path=str(shots / f"stream-{width}-all.png"), full_page=True)
    page.screenshot(path=str(shots / f"stream-{width}-all-top.png"))
    page.get_by_test_id("range-picker").get_by_role("link", name="24 h", exact=True).click()
    day = _one_range(_charts(page))
    _drag(page, "value-chart", 0.25, 0.5)
    zoomed = _one_range(_charts(page))
    wide_zoomed = page.evaluate(OVERFLOW)
    page.screenshot(path=str(shots / f"stream-{width}-zoomed.png"), full_page=True)
    page.get_by_test_id("range-picker").get_by_role("link", name="1 h", exact=True).click()
    hour = _one_range(_charts(page))
    context.close()
    # then: every chart shares each range, and each range is the one asked for
    assert whole[1] - whole[0] == 2999 * 60_000
    assert day == (whole[1] - 24 * HOUR_MS, whole[1]) and hour == (whole[1] - HOUR_MS, whole[1])
    assert zoomed[0] == pytest.approx(day[0] + 6 * HOUR_MS, abs=HOUR_MS / 4)
    assert zoomed[1] == pytest.approx(day[0] + 12 * HOUR_MS, abs=HOUR_MS / 4)
    # then: every chart marks the regime change and the spike, each by its kind; the long range says it is thinned
    assert all({"anomaly", "regime_change"} <= set(c["marks"]) for c in everything)
    assert downsampled
    # then: nothing scrolls sideways, at either width
    assert wide_all <= 0 and wide_zoomed <= 0
