from __future__ import annotations

from apps.capsules.services.catalogue import capsule_create, capsule_publish, capsule_retire
from apps.capsules.services.minting import pft_for, proof_verify
from apps.capsules.services.runs import (
    capsule_run_execute,
    capsule_run_fail,
    capsule_run_settle,
    capsule_run_start,
    inputs_validate,
    runnable_capsule,
    runs_requeue_stale,
)
from apps.capsules.services.scheduling import run_standing
from apps.capsules.services.subscriptions import subscription_cancel, subscription_create, subscriptions_meter

__all__ = ["capsule_create", "capsule_publish", "capsule_retire", "capsule_run_execute", "capsule_run_fail",
           "capsule_run_settle", "capsule_run_start", "inputs_validate", "pft_for", "proof_verify",
           "run_standing", "runnable_capsule", "runs_requeue_stale", "subscription_cancel", "subscription_create",
           "subscriptions_meter"]
