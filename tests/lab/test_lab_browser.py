from __future__ import annotations

import os
from pathlib import Path

import pytest

from apps.lab import services
from apps.lab.models import LabJob
from tests.ledger.factories import funded_account
from tests.tenants.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_analyst_prices_submits_and_follows_a_job_to_its_pictures(page, tmp_path):
    # given
    shots = Path(os.environ.get("LAB_SCREENSHOTS", tmp_path))
    tenant = TenantFactory(slug="lab-walk", name="Lab Walk Ltd")
    MembershipFactory(tenant=tenant, role="analyst", user=UserFactory(username="physicist@example.com"))
    funded_account(tenant, 20_000)
    expected = services.job_quote(kind="diffusion2d", params={"nx": 48, "ny": 48, "t_end": 8.0,
                                                              "method": "explicit"}).cost
    page.goto("/login/")
    page.get_by_label("Username or e-mail").fill("physicist@example.com")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    # when: the form is priced as it is filled in, through the estimate API
    page.get_by_test_id("nav-lab").click()
    form = page.locator("#lab-form")
    form.locator("[name=nx]").fill("48")
    form.locator("[name=ny]").fill("48")
    form.locator("[name=t_end]").fill("8")
    form.locator("[name=method]").select_option("explicit")
    page.get_by_test_id("lab-estimate").get_by_text(f"{expected / 1000:.3f} CEU").wait_for()
    page.screenshot(path=str(shots / "lab-form.png"), full_page=True)
    page.get_by_test_id("lab-submit").click()
    page.get_by_test_id("job-status").get_by_text("Queued").wait_for()
    # and a worker runs it while the page polls
    job = LabJob.objects.get(tenant=tenant)
    services.job_run(job_id=job.pk, delivery="browser-walk")
    page.get_by_test_id("job-status").get_by_text("Succeeded").wait_for()
    page.get_by_test_id("job-picture").first.wait_for()
    page.wait_for_function("[...document.querySelectorAll('img')].every(i => i.complete && i.naturalWidth > 0)")
    page.screenshot(path=str(shots / "lab-job.png"), full_page=True)
    # then
    assert page.get_by_test_id("job-picture").count() == 3
    assert page.get_by_test_id("job-metrics").get_by_text("energy drift").count() == 1
    assert page.get_by_test_id("job-charged").inner_text() == f"{LabJob.objects.get().charged / 1000:.3f}"
    energy = page.get_by_test_id("energy-line").inner_text()
    assert " J (" in energy and "CO₂e" in energy and "energy part of the charge" in energy
    # and at phone width the page, energy line included, does not scroll sideways
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.get_by_test_id("energy-line").is_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
