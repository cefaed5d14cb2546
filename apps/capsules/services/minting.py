"""PFT minting for runs whose result carries a valid proof.

Rule (docs/capsules.md): a validated run mints PFT_PER_RUN x factor to the buyer, from the system PFT issuance
account, where factor = min(MAX_FACTOR, 1 + points // POINTS_PER_FACTOR): 1 PFT for a run of up to 99,999
points, one more PFT per further 100,000 points, at most 10 PFT. An invalid proof mints nothing; its reasons are
stored on the run.
"""
from __future__ import annotations

from typing import Any

from apps.capsules.models import CapsuleRun
from apps.capsules.proof import check_proof
from apps.capsules.runners import runner_for
from apps.core.actors import Actor
from apps.ledger.services import account_open, issue_create

PFT = "PFT"
PFT_PER_RUN = 1_000_000  # 1 PFT in minor units (scale 6)
POINTS_PER_FACTOR = 100_000
MAX_FACTOR = 10


def pft_for(points: int) -> int:
    return PFT_PER_RUN * min(MAX_FACTOR, 1 + points // POINTS_PER_FACTOR)


def proof_verify(*, kind: str, tenant_id: int, inputs: dict[str, Any], result_text: str,
                 proof: dict[str, Any]) -> list[str]:
    """The verifier: reloads the stored inputs, rehashes them and the result, recomputes the conservation
    residual, and lists every disagreement with the proof (empty: valid)."""
    recheck = runner_for(kind).recheck(tenant_id=tenant_id, inputs=inputs, result_text=result_text)
    return check_proof(proof, inputs_sha256=recheck.inputs_sha256, outputs_sha256=recheck.outputs_sha256,
                       recomputed=recheck.conservation)


def pft_mint(*, run: CapsuleRun, points: int, actor: Actor) -> tuple[int, int]:
    """Inside the settlement transaction; idempotent per run through the ledger client id."""
    amount = pft_for(points)
    account = account_open(actor=actor, tenant=run.tenant, asset=PFT)
    result = issue_create(actor=actor, tenant=run.tenant, account_id=account.pk, asset=PFT, amount=amount,
                          client_id=f"capsule-run:{run.pk}", source="issuance",
                          metadata={"capsule_run": run.pk, "rule": "pft_per_validated_run", "points": points})
    return amount, result.entry_id
