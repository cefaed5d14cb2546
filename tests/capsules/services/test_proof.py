from __future__ import annotations

import json

import pytest

from apps.capsules import services
from apps.capsules.models import CapsuleRun
from apps.capsules.proof import canonical_text, outputs_digest
from apps.capsules.runners.regime_monitor import RegimeMonitorRunner
from apps.ledger.models import Account, Entry
from apps.ledger.services import ledger_verify
from tests.capsules.factories import ACTOR, make_capsule, platform, stream_with_points
from tests.ledger.factories import funded_account

pytestmark = pytest.mark.django_db

REAL_EXECUTE = RegimeMonitorRunner.execute


def _run(tenant) -> CapsuleRun:
    capsule = make_capsule(platform())
    stream = stream_with_points(tenant, n=400)
    funded_account(tenant, 100_000)
    return services.capsule_run_start(actor=ACTOR, tenant=tenant, capsule_id=capsule.pk,
                                      inputs={"streams": [stream.pk]})


def test_a_validated_proof_mints_pft_per_the_rule(tenant):
    # given
    run = _run(tenant)
    # when
    services.capsule_run_execute(run_id=run.pk)
    # then
    run.refresh_from_db()
    pft = Account.objects.get(tenant=tenant, asset_id="PFT", code="main")
    assert run.proof_status == "valid" and run.proof_reason == ""
    assert run.pft_minted == pft.balance == 1_000_000  # 400 points: factor 1
    assert run.proof["outputs_sha256"] == outputs_digest(run.result_text)
    assert run.proof["conservation"]["residual"] <= run.proof["conservation"]["tolerance"]
    assert Entry.objects.get(pk=run.pft_entry_id).metadata["capsule_run"] == run.pk
    assert ledger_verify().ok


def test_an_output_that_breaks_conservation_mints_nothing_and_says_why(tenant, monkeypatch):
    # given: the result loses energy in one segment but hashes itself honestly
    run = _run(tenant)

    def lossy(self, **kwargs):
        execution = REAL_EXECUTE(self, **kwargs)
        result = json.loads(execution.result_text)
        result["streams"][0]["segments"][0]["energy"] *= 0.5
        text = canonical_text(result)
        proof = {**execution.proof, "outputs_sha256": outputs_digest(text)}
        return type(execution)(result_text=text, quantities=execution.quantities, proof=proof,
                               cpu_seconds=execution.cpu_seconds)

    monkeypatch.setattr(RegimeMonitorRunner, "execute", lossy)
    # when
    services.capsule_run_execute(run_id=run.pk)
    # then
    run.refresh_from_db()
    assert run.status == "succeeded" and run.charged > 0
    assert run.proof_status == "invalid" and "Conservation residual" in run.proof_reason
    assert run.pft_minted == 0 and not Account.objects.filter(tenant=tenant, asset_id="PFT").exists()
    assert ledger_verify().ok


def test_a_proof_whose_inputs_hash_differs_from_the_stored_inputs_is_invalid(tenant, monkeypatch):
    # given
    run = _run(tenant)

    def wrong_inputs(self, **kwargs):
        execution = REAL_EXECUTE(self, **kwargs)
        proof = {**execution.proof, "inputs_sha256": "0" * 64}
        return type(execution)(result_text=execution.result_text, quantities=execution.quantities, proof=proof,
                               cpu_seconds=execution.cpu_seconds)

    monkeypatch.setattr(RegimeMonitorRunner, "execute", wrong_inputs)
    # when
    services.capsule_run_execute(run_id=run.pk)
    # then
    run.refresh_from_db()
    assert run.proof_status == "invalid" and "inputs' hash" in run.proof_reason and run.pft_minted == 0


def test_the_verifier_rechecks_a_stored_result_against_its_proof(tenant):
    # given
    run = _run(tenant)
    services.capsule_run_execute(run_id=run.pk)
    run.refresh_from_db()
    tampered = run.result_text.replace('"alarm_count":', '"alarm_count": ', 1)
    # when
    stored = services.proof_verify(kind="regime_monitor", tenant_id=tenant.pk, inputs=run.inputs,
                                   result_text=run.result_text, proof=run.proof)
    edited = services.proof_verify(kind="regime_monitor", tenant_id=tenant.pk, inputs=run.inputs,
                                   result_text=tampered, proof=run.proof)
    # then
    assert stored == []
    assert edited == ["The outputs' hash does not match the stored result."]


@pytest.mark.parametrize("points, pft", [(1, 1_000_000), (99_999, 1_000_000), (100_000, 2_000_000),
                                         (450_000, 5_000_000), (10_000_000, 10_000_000)])
def test_the_minting_rule(points, pft):
    # when / then
    assert services.pft_for(points) == pft
