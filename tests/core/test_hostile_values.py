"""Issue #16 findings 4 and 11b: values that used to answer 500 (or be silently coerced) answer 400 in the error
shape, and write nothing."""
from __future__ import annotations

from typing import Any

import pytest

from apps.dna.models import Asset, AssetLink
from apps.lab.models import LabJob
from apps.ledger.models import Entry, Hold
from tests.ledger.factories import funded_account

pytestmark = pytest.mark.django_db
HUGE = 2**63


def _assert_refused(response: Any, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "extra"} and body["code"] and body["message"]
    return body


@pytest.mark.parametrize("amount", [HUGE - 1, -(HUGE - 1), HUGE, -HUGE, 10**30, 1e30, True, "NaN"])
def test_ledger_entry_amounts_past_the_bound_are_refused(api, tenant, amount):
    # given
    account = funded_account(tenant, 1_000)
    other = funded_account(tenant, 0, code="other")
    entries = Entry.objects.count()

    # when
    response = api.post("/api/v1/ledger/entries/", {"client_id": "x", "postings": [
        {"account": account.pk, "amount": amount}, {"account": other.pk, "amount": amount}]}, format="json")

    # then
    body = _assert_refused(response)
    assert "amount" in str(body["extra"])
    assert Entry.objects.count() == entries


def test_an_account_id_past_bigint_is_refused(api, tenant):
    # given
    account = funded_account(tenant, 1_000)

    # when
    response = api.post("/api/v1/ledger/entries/", {"client_id": "x", "postings": [
        {"account": account.pk, "amount": -1}, {"account": HUGE, "amount": 1}]}, format="json")

    # then
    assert "account" in str(_assert_refused(response)["extra"])


@pytest.mark.parametrize("amount", [HUGE - 1, 10**20])
def test_hold_amounts_past_the_bound_are_refused(api, tenant, amount):
    # given
    debit, credit = funded_account(tenant, 1_000), funded_account(tenant, 0, code="other")

    # when
    response = api.post("/api/v1/ledger/holds/", {"client_id": "h", "debit_account": debit.pk,
                                                  "credit_account": credit.pk, "amount": amount}, format="json")

    # then
    _assert_refused(response)
    assert not Hold.objects.exists()


def test_a_nul_in_ledger_metadata_is_refused(api, tenant):
    # given
    account, other = funded_account(tenant, 1_000), funded_account(tenant, 0, code="other")
    entries = Entry.objects.count()

    # when
    response = api.post("/api/v1/ledger/entries/", {"client_id": "x", "metadata": {"note": "a\u0000b"}, "postings": [
        {"account": account.pk, "amount": -1}, {"account": other.pk, "amount": 1}]}, format="json")

    # then
    assert "metadata" in _assert_refused(response)["extra"]["fields"]
    assert Entry.objects.count() == entries


def _nested(depth: int) -> Any:
    return [1] if depth == 0 else [_nested(depth - 1)]


@pytest.mark.parametrize("attributes", [{"a": "x\u0000"}, {"a\u0000": 1}, {"a": _nested(30)}])
def test_a_nul_or_runaway_nesting_in_asset_attributes_is_refused(api, attributes):
    # when
    response = api.post("/api/v1/dna/assets/", {"key": "pump", "name": "Pump", "kind": "service",
                                                "attributes": attributes}, format="json")

    # then
    assert "attributes" in _assert_refused(response)["extra"]["fields"]
    assert not Asset.objects.exists()


@pytest.mark.parametrize("path", ["/api/v1/dna/assets/?search=%00", "/api/v1/ledger/entries/?metadata.a%00=b",
                                  "/api/v1/ledger/entries/?metadata.a=%00"])
def test_a_nul_in_the_query_string_is_refused(api, path):
    # when
    response = api.get(path)

    # then
    assert _assert_refused(response)["code"] == "bad_request"


@pytest.mark.parametrize("weight", ["NaN", "Infinity", "-Infinity", True, False, "1e400"])
def test_a_link_weight_must_be_a_finite_number(api, tenant, weight):
    # given
    made = [api.post("/api/v1/dna/assets/", {"key": k, "name": k, "kind": "service"}, format="json").json()
            for k in ("a", "b")]

    # when
    response = api.post("/api/v1/dna/links/", {"source": made[0]["id"], "target": made[1]["id"],
                                               "kind": "depends_on", "weight": weight}, format="json")

    # then
    assert "weight" in _assert_refused(response)["extra"]["fields"]
    assert not AssetLink.objects.exists()


@pytest.mark.parametrize("x", ["NaN", "Infinity", True])
def test_lab_source_coordinates_must_be_finite_numbers(api, x):
    # when
    response = api.post("/api/v1/lab/jobs/", {"kind": "diffusion2d", "params": {"sources": [{"x": x, "y": 1}]}},
                        format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    # then
    body = _assert_refused(response)
    assert "params.sources.0.x" in body["extra"]["fields"]
    assert not LabJob.objects.exists()


@pytest.mark.parametrize(("path", "headers"), [("/api/v1/streams/", {"HTTP_IDEMPOTENCY_KEY": "deep-1"}),
                                               ("/api/v1/alerts/1/acknowledge/", {})])
def test_json_nested_past_the_decoders_depth_is_malformed_not_a_crash(api, path, headers):
    # when
    response = api.post(path, data=b"[" * 5_000 + b"]" * 5_000, content_type="application/json", **headers)

    # then
    assert _assert_refused(response)["code"] == "malformed_json"
