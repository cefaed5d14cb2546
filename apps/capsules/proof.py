"""Proofs carried by run results, and the checks a verifier repeats on them.

A proof states the SHA-256 of the run's inputs and of its outputs, and a conservation residual: a quantity that
is additive over the output's parts must add up to its value recomputed from the inputs. The verifier reloads the
stored inputs, rehashes them and the stored output, recomputes the residual and compares everything; any
difference is a reason the proof is invalid (and no PFT is minted).
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

PROOF_VERSION = 1
RESIDUAL_TOLERANCE = 1e-9  # relative; float summation orders differ by ~1e-15 per term at worst


@dataclass(frozen=True)
class Series:
    """One stream's analysed points: `ts_us` (n,) int64 microseconds since the Unix epoch, `values` (n,) float64."""

    stream_id: int
    ts_us: np.ndarray
    values: np.ndarray


def canonical_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def inputs_digest(series: list[Series]) -> str:
    """Little-endian int64 timestamps and float64 values, stream by stream in id order: exact and fast."""
    digest = hashlib.sha256()
    for s in sorted(series, key=lambda item: item.stream_id):
        digest.update(f"{s.stream_id}:{s.values.size}\n".encode())
        digest.update(np.ascontiguousarray(s.ts_us, dtype="<i8").tobytes())
        digest.update(np.ascontiguousarray(s.values, dtype="<f8").tobytes())
    return digest.hexdigest()


def outputs_digest(result_text: str) -> str:
    return hashlib.sha256(result_text.encode()).hexdigest()


def relative_residual(expected: float, observed: float) -> float:
    if expected == observed:
        return 0.0
    return abs(expected - observed) / max(abs(expected), abs(observed), math.ulp(0.0))


@dataclass(frozen=True)
class Conservation:
    quantity: str
    inputs_total: float
    outputs_total: float
    residual: float
    inputs_count: int
    outputs_count: int


def build_proof(*, inputs_sha256: str, outputs_sha256: str, conservation: Conservation) -> dict[str, Any]:
    return {"version": PROOF_VERSION, "inputs_sha256": inputs_sha256, "outputs_sha256": outputs_sha256,
            "conservation": {"quantity": conservation.quantity, "inputs_total": conservation.inputs_total,
                             "outputs_total": conservation.outputs_total, "residual": conservation.residual,
                             "inputs_count": conservation.inputs_count,
                             "outputs_count": conservation.outputs_count, "tolerance": RESIDUAL_TOLERANCE}}


def check_proof(proof: dict[str, Any], *, inputs_sha256: str, outputs_sha256: str,
                recomputed: Conservation) -> list[str]:
    """Reasons the proof fails against the verifier's own recomputation (empty when it holds)."""
    if not isinstance(proof, dict) or proof.get("version") != PROOF_VERSION:
        return ["The result carries no proof of a known version."]
    claimed = proof.get("conservation") or {}
    reasons = []
    if proof.get("inputs_sha256") != inputs_sha256:
        reasons.append("The inputs' hash does not match the stored inputs.")
    if proof.get("outputs_sha256") != outputs_sha256:
        reasons.append("The outputs' hash does not match the stored result.")
    if recomputed.inputs_count != recomputed.outputs_count:
        reasons.append(f"The outputs account for {recomputed.outputs_count} points of "
                       f"{recomputed.inputs_count} analysed.")
    if not recomputed.residual <= RESIDUAL_TOLERANCE:
        reasons.append(f"Conservation residual {recomputed.residual:.3e} exceeds the tolerance "
                       f"{RESIDUAL_TOLERANCE:.0e}.")
    claimed_residual = claimed.get("residual")
    if not isinstance(claimed_residual, (int, float)) or abs(claimed_residual - recomputed.residual) > \
            RESIDUAL_TOLERANCE:
        reasons.append("The claimed residual differs from the verifier's.")
    return reasons
