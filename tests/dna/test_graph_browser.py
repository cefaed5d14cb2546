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


def test_a_cascade_job_is_followed_while_it_runs_then_drawn(page, settings, tmp_path, monkeypatch):
    # given
    from apps.lab import services as lab_services
    from apps.lab.models import LabJob
    from tests.ledger.factories import funded_account

    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setattr("apps.lab.tasks.job_run.apply_async", lambda args, **options: None)  # run below instead
    tenant = TenantFactory(slug="cascade-job", name="Cascade job")
    MembershipFactory(tenant=tenant, role="analyst", user=UserFactory(username="cascader@example.com"))
    funded_account(tenant, 100_000)
    assets = make_graph(tenant, [("b", "a", "depends_on", 0.5), ("b", "c", "flows_to", 0.8)])
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/")
    page.get_by_label("Username or e-mail").fill("cascader@example.com")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.goto("/dna/graph/")
    # when: the job is submitted from the page, then a worker runs it
    page.get_by_text("Larger graphs: run the cascade as a lab job").click()
    page.locator("form[action$='cascade-job/'] select[name=asset]").select_option(str(assets["a"].pk))
    page.get_by_role("button", name="Run as a lab job").click()
    page.wait_for_url("**/dna/graph/?job=*")
    queued = page.get_by_test_id("job-status").inner_text()
    lab_services.job_run(job_id=LabJob.objects.get(tenant=tenant).pk, delivery="browser")
    page.locator("[data-frame-label]").wait_for(timeout=15_000)  # the poller reloads the page once it ends
    # then
    assert errors == [] and queued == "Queued"
    assert page.get_by_test_id("job-status").inner_text() == "Succeeded"
    assert page.locator("[data-frame-label]").inner_text() == "t = 0.00 · coherence 1.000"
