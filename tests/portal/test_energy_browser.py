"""The Energy page in Chromium at desktop and phone width: reached from the navigation, the trend charts draw,
a filter narrows the table, the CSV downloads, and nothing scrolls sideways."""
from __future__ import annotations

import csv
import io
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

# Reuses the portal's Playwright fixture (system Chromium).
from tests.browser.conftest import browser  # noqa: F401
from tests.ops.energy_factories import job_energy
from tests.tenants.factories import MembershipFactory, PartnerFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
DRAWN = "() => [...document.querySelectorAll('canvas[data-chart]')].every(c => c._scale)"


def _sign_in(page: Any, username: str) -> None:
    page.goto("/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("current-tenant").wait_for()


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_a_partner_walks_its_energy_page_filters_it_and_downloads_the_csv(browser, live_server,  # noqa: F811
                                                                          tmp_path: Path, width, height):
    # given
    partner = PartnerFactory(name="Partner P", slug="partner-p")
    client_tenant = TenantFactory(name="Client C", slug="client-c", parent=partner)
    user = UserFactory(username=f"energy-{width}@example.com")
    MembershipFactory(tenant=partner, user=user, role="analyst")
    now = timezone.now()
    for day in range(5):
        job_energy(partner, ref_id=day, kind="lab.diffusion2d", finished_at=now - timedelta(days=day))
        job_energy(client_tenant, ref_id=100 + day, kind="capsule.regime_monitor", source="rapl",
                   finished_at=now - timedelta(days=day, hours=1))
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    _sign_in(page, user.username)
    # when: the navigation leads there (folded behind Menu on a phone)
    if width < 600:
        page.get_by_test_id("nav-toggle").click()
    page.get_by_test_id("nav-energy").click()
    page.wait_for_url("**/energy/")
    page.wait_for_function(DRAWN)
    all_rows = page.get_by_test_id("energy-row").count()
    estimated = page.get_by_test_id("estimated").count()
    wide = page.evaluate(OVERFLOW)
    page.get_by_test_id("energy-tenant").select_option(label="Client C")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    client_rows = page.get_by_test_id("energy-row").count()
    day = (now - timedelta(days=2, hours=1)).astimezone(UTC).date().isoformat()  # client row 102's day
    page.get_by_test_id("energy-start").fill(day)
    page.get_by_test_id("energy-end").fill(day)
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    one_day = page.get_by_test_id("energy-row").count()
    period = page.get_by_test_id("energy-period").input_value()
    with page.expect_download() as download:
        page.get_by_test_id("energy-csv").click()
    exported = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    page.screenshot(path=str(tmp_path / f"energy-{width}.png"), full_page=True)
    # then
    assert all_rows == 10 and estimated == 5
    assert wide <= 0, f"the page scrolls sideways by {wide}px at {width}px"
    assert client_rows == 5 and "Client C" in page.get_by_test_id("energy-table").inner_text()
    assert one_day == 1 and period == "custom"
    assert sorted(int(r["ref_id"]) for r in exported) == [102]
    assert {r["tenant"] for r in exported} == {"Client C"}
    context.close()
