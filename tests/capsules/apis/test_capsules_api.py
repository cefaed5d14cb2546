from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.capsules import services
from apps.capsules.models import CapsuleRun
from apps.ledger.models import Hold
from tests.capsules.factories import ACTOR, make_capsule, partner_with_client, platform, stream_with_points
from tests.ledger.factories import funded_account
from tests.tenants.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def test_a_client_sees_the_platforms_and_its_partners_published_capsules_only(api_client_for):
    # given
    owner = platform()
    partner, client = partner_with_client()
    rival = PartnerFactory(slug="rival")
    mine = [make_capsule(owner), make_capsule(partner, name="Helios monitor")]
    hidden = [make_capsule(owner, publish=False, name="Draft"), make_capsule(rival, name="Rival monitor")]
    api = api_client_for(client)
    # when
    listed = api.get("/api/v1/capsules/").json()["results"]
    foreign = [api.get(f"/api/v1/capsules/{c.pk}/").status_code for c in hidden]
    # then
    assert sorted(c["id"] for c in listed) == sorted(c.pk for c in mine)
    assert {c["owner"] for c in listed} == {"Platform", "Partner helios"}
    assert listed[0]["pricing"].keys() == {"per_run", "per_stream_day", "per_1k_points", "per_gpu_second"}
    assert foreign == [404, 404]


def test_a_run_needs_an_idempotency_key_and_a_replay_makes_no_second_run(api, tenant):
    # given
    capsule = make_capsule(platform())
    stream = stream_with_points(tenant, n=100)
    funded_account(tenant, 100_000)
    body = {"inputs": {"streams": [stream.pk]}}
    # when
    keyless = api.post(f"/api/v1/capsules/{capsule.pk}/runs/", body, format="json")
    first = api.post(f"/api/v1/capsules/{capsule.pk}/runs/", body, format="json", HTTP_IDEMPOTENCY_KEY="run-1")
    replay = api.post(f"/api/v1/capsules/{capsule.pk}/runs/", body, format="json", HTTP_IDEMPOTENCY_KEY="run-1")
    # then
    assert keyless.status_code == 400 and keyless.json()["code"] == "idempotency_key_required"
    assert first.status_code == replay.status_code == 202
    assert replay["Idempotent-Replayed"] == "true" and replay.json()["id"] == first.json()["id"]
    assert CapsuleRun.objects.count() == 1 and Hold.objects.filter(tenant=tenant).count() == 1
    assert first.json()["reserved"] == first.json()["quote"]["total"] > 0


def test_an_insufficient_balance_answers_402_and_creates_nothing(api, tenant):
    # given
    capsule = make_capsule(platform())
    stream = stream_with_points(tenant, n=100)
    funded_account(tenant, 5)
    # when
    response = api.post(f"/api/v1/capsules/{capsule.pk}/runs/", {"inputs": {"streams": [stream.pk]}},
                        format="json", HTTP_IDEMPOTENCY_KEY="poor")
    # then
    assert response.status_code == 402
    assert response.json()["code"] == "insufficient_ceu" and response.json()["extra"]["available"] == 5
    assert not CapsuleRun.objects.exists()


def test_bad_inputs_answer_400_with_field_errors(api, tenant):
    # given
    capsule = make_capsule(platform())
    # when
    response = api.post(f"/api/v1/capsules/{capsule.pk}/runs/", {"inputs": {"streams": [], "x": 1}},
                        format="json", HTTP_IDEMPOTENCY_KEY="bad")
    unknown = api.post(f"/api/v1/capsules/{capsule.pk}/runs/", {"inputs": {}, "extra": 1}, format="json",
                       HTTP_IDEMPOTENCY_KEY="bad-2")
    # then
    assert response.status_code == 400 and {"streams", "inputs"} <= response.json()["extra"]["fields"].keys()
    assert unknown.status_code == 400 and "extra" in unknown.json()["extra"]["fields"]


def test_runs_usage_and_receipts_of_another_tenant_are_404(api, other_api, other_tenant):
    # given
    capsule = make_capsule(platform())
    stream = stream_with_points(other_tenant, n=100)
    funded_account(other_tenant, 100_000)
    run = services.capsule_run_start(actor=ACTOR, tenant=other_tenant, capsule_id=capsule.pk,
                                     inputs={"streams": [stream.pk]})
    services.capsule_run_execute(run_id=run.pk)
    subscription = services.subscription_create(actor=ACTOR, tenant=other_tenant, capsule_id=capsule.pk,
                                                streams=[stream.pk])
    # when
    detail = api.get(f"/api/v1/capsules/runs/{run.pk}/")
    cancel = api.post(f"/api/v1/capsules/subscriptions/{subscription.pk}/cancel/")
    # then
    assert detail.status_code == 404 and cancel.status_code == 404
    assert api.get("/api/v1/capsules/runs/").json()["results"] == []
    assert api.get("/api/v1/capsules/usage/").json() == []
    assert other_api.get(f"/api/v1/capsules/runs/{run.pk}/").json()["status"] == "succeeded"


def test_a_finished_run_shows_its_usage_proof_and_result(api, tenant):
    # given
    capsule = make_capsule(platform())
    stream = stream_with_points(tenant, n=400)
    funded_account(tenant, 100_000)
    run = services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk,
                                     inputs={"streams": [stream.pk]})
    services.capsule_run_execute(run_id=run.pk)
    # when
    body = api.get(f"/api/v1/capsules/runs/{run.pk}/").json()
    usage = api.get("/api/v1/capsules/usage/").json()
    # then
    assert body["charged"] == sum(u["ceu_amount"] for u in body["usage"]) == usage[0]["ceu"]
    assert body["proof_status"] == "valid" and body["pft_minted"] == 1_000_000
    assert body["result"]["totals"]["points"] == 400 and body["result"]["streams"][0]["alarm_count"] >= 1


def test_a_partner_creates_and_publishes_a_capsule_but_a_client_cannot_sell(make_member):
    # given
    partner, client = partner_with_client()
    seller, buyer = APIClient(), APIClient()
    seller.force_login(make_member(partner, role="owner"))
    buyer.force_login(make_member(client, role="owner"))
    body = {"name": "Grid monitor", "kind": "regime_monitor", "price_per_run": 1_000, "price_per_1k_points": 50}
    # when
    created = seller.post("/api/v1/capsules/", body, format="json")
    published = seller.post(f"/api/v1/capsules/{created.json()['id']}/publish/")
    refused = buyer.post("/api/v1/capsules/", body, format="json")
    # then
    assert created.status_code == 201 and created.json()["state"] == "draft"
    assert published.json()["state"] == "published"
    assert refused.status_code == 403 and refused.json()["code"] == "not_a_seller"
    assert [c["name"] for c in buyer.get("/api/v1/capsules/").json()["results"]] == ["Grid monitor"]


def test_api_keys_cannot_publish_capsules(api):
    # when
    response = api.post("/api/v1/capsules/", {"name": "x", "kind": "regime_monitor"}, format="json")
    # then
    assert response.status_code == 403


def test_a_subscription_needs_an_idempotency_key_and_lists_for_its_tenant_only(api, other_api, tenant):
    # given
    capsule = make_capsule(platform())
    stream = stream_with_points(tenant, n=50)
    body = {"capsule": capsule.pk, "streams": [stream.pk]}
    # when
    keyless = api.post("/api/v1/capsules/subscriptions/", body, format="json")
    created = api.post("/api/v1/capsules/subscriptions/", body, format="json", HTTP_IDEMPOTENCY_KEY="sub-1")
    # then
    assert keyless.status_code == 400 and created.status_code == 201 and created.json()["status"] == "active"
    assert [s["id"] for s in api.get("/api/v1/capsules/subscriptions/").json()["results"]] == [created.json()["id"]]
    assert other_api.get("/api/v1/capsules/subscriptions/").json()["results"] == []


def test_usage_dates_are_validated(api):
    # when
    reversed_range = api.get("/api/v1/capsules/usage/?start=2026-03-02&end=2026-03-01")
    garbage = api.get("/api/v1/capsules/usage/?start=yesterday")
    # then
    assert reversed_range.status_code == garbage.status_code == 400
    assert "start" in garbage.json()["extra"]["fields"]
