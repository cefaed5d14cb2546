"""The capsule run page's energy line, walked in headless Chromium at desktop and phone width."""
from __future__ import annotations

import pytest

from apps.capsules import services
from tests.browser.conftest import browser, page  # noqa: F401
from tests.capsules.factories import ACTOR, make_capsule, platform, stream_with_points
from tests.ledger.factories import funded_account
from tests.tenants.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_a_buyer_reads_a_runs_energy_on_desktop_and_phone(page, settings, tmp_path):  # noqa: F811
    # given: a settled run, measured by the power model whatever this host offers
    from apps.ops.energy import sampler

    settings.OPS_RAPL_ROOT = str(tmp_path / "none")
    sampler._zones.clear()
    tenant = TenantFactory(slug="energy-walk", name="Energy Walk Ltd")
    MembershipFactory(tenant=tenant, role="viewer", user=UserFactory(username="buyer@example.com"))
    stream = stream_with_points(tenant, n=100)
    funded_account(tenant, 100_000)
    run = services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=make_capsule(platform()).pk,
                                     inputs={"streams": [stream.pk]})
    services.capsule_run_execute(run_id=run.pk)
    page.goto("/login/")
    page.get_by_label("Username or e-mail").fill("buyer@example.com")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("current-tenant").wait_for()
    # when
    widths = {}
    for name, viewport in {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}.items():
        page.set_viewport_size(viewport)
        page.goto(f"/capsules/runs/{run.pk}/")
        line = page.get_by_test_id("energy-line")
        widths[name] = (line.is_visible(), page.evaluate(OVERFLOW), line.inner_text())
    # then
    for visible, overflow, text in widths.values():
        assert visible and overflow <= 0
        assert " J (" in text and "estimated" in text and "CO₂e" in text
