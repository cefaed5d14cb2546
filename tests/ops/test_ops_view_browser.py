"""The back office's Ops view in headless Chromium, at desktop and phone width: every section renders, and
its tables scroll inside their own box instead of widening the page."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.ops.models import ScheduledState
from tests.browser.conftest import browser  # noqa: F401
from tests.ops.scheduling.factories import measured
from tests.ops.test_ops_view import OPS, scheduled

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
WIDTHS = [pytest.param({"width": 1280, "height": 900}, id="desktop"),
          pytest.param({"width": 390, "height": 844}, id="phone")]
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.mark.parametrize("viewport", WIDTHS)
def test_an_operator_walks_the_ops_view(browser, live_server, django_user_model, tenant, viewport):  # noqa: F811
    # given
    django_user_model.objects.create_superuser("op", "op@example.com", "long-enough-pw")
    now = timezone.now()
    scheduled(tenant, 1, flexible=True, deadline=now + timedelta(hours=5), not_before=now + timedelta(hours=2),
              intensity_at_submit=480.0, intensity_planned=110.0)
    scheduled(tenant, 2, flexible=True, deadline=now, state=ScheduledState.FINISHED, finished_at=now,
              intensity_at_submit=400.0, intensity_at_run=100.0)
    measured(tenant, kind="lab.diffusion2d", size=1000, wall_s=60.0, ref_id=2, joules=7.2e6)
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(20000)
    # when
    page.goto("/admin/login/?next=" + OPS)
    page.fill("#id_username", "op")
    page.fill("#id_password", "long-enough-pw")
    page.click("input[type=submit]")
    page.wait_for_url("**" + OPS)
    # then
    for section in ("workers", "queues", "running", "deferred", "days"):
        assert page.get_by_test_id(section).is_visible(), section
    assert page.get_by_test_id(f"saved-{now:%Y-%m-%d}").inner_text() == "600.0"
    assert page.locator("[data-queue=gpu]").count() == 1
    assert page.evaluate(OVERFLOW) <= 0
    context.close()
